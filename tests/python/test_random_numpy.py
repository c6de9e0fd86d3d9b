"""da.random's distributions that NumPy draws for each block (beta ... zipf,
choice, multinomial): Dask's shapes, chunks and dtypes, numbers that the seed
gives again, NumPy's parameter checks, and draws whose means are the
distributions'."""
import dask.array as dda
import numpy as np
import pytest

import dusk.array as da

# name, parameters, the distribution's mean
CASES = [
    ("beta", (2.0, 5.0), 2 / 7), ("binomial", (10, 0.3), 3.0), ("chisquare", (3.0,), 3.0),
    ("f", (5.0, 10.0), 10 / 8), ("gamma", (2.0,), 2.0), ("geometric", (0.25,), 4.0),
    ("gumbel", (), np.euler_gamma), ("hypergeometric", (5, 15, 8), 2.0),
    ("laplace", (1.0,), 1.0), ("logistic", (2.0,), 2.0), ("lognormal", (0.0, 0.5), np.exp(0.125)),
    ("logseries", (0.5,), -0.5 / (0.5 * np.log(0.5))), ("negative_binomial", (5, 0.5), 5.0),
    ("noncentral_chisquare", (3.0, 2.0), 5.0), ("noncentral_f", (5.0, 10.0, 1.0), 1.5),
    ("pareto", (3.0,), 0.5), ("power", (2.0,), 2 / 3), ("rayleigh", (2.0,), 2 * np.sqrt(np.pi / 2)),
    ("standard_exponential", (), 1.0), ("standard_gamma", (3.0,), 3.0), ("standard_t", (10.0,), 0.0),
    ("triangular", (0.0, 1.0, 5.0), 2.0), ("vonmises", (0.5, 4.0), 0.5), ("wald", (2.0, 3.0), 2.0),
    ("weibull", (2.0,), np.sqrt(np.pi) / 2), ("zipf", (4.0,), 1.1106),
]


@pytest.mark.parametrize("name, params, mean", CASES, ids=[c[0] for c in CASES])
def test_distribution_as_dask(name, params, mean):
    got = getattr(da.random.RandomState(7), name)(*params, size=(400, 500), chunks=(100, 250))
    want = getattr(dda.random.RandomState(7), name)(*params, size=(400, 500), chunks=(100, 250))
    assert got.shape == want.shape and got.chunks == want.chunks and got.dtype == want.dtype
    v = got.compute()
    assert v.shape == (400, 500) and v.dtype == want.dtype
    # the seed gives the same numbers; blocks are not copies of each other
    again = getattr(da.random.RandomState(7), name)(*params, size=(400, 500), chunks=(100, 250))
    np.testing.assert_array_equal(again.compute(), v)
    assert not np.array_equal(v[:100, :250], v[100:200, :250])
    assert abs(v.mean() - mean) < 0.05 * max(1.0, abs(mean)), (v.mean(), mean)
    # one task of the draw per block, on a source of the blocks' shapes
    assert got._ntasks == 2 * 8


def test_the_module_draws_from_its_state():
    x = da.random.gamma(2.0, 1.0, (10,), 5)       # size and chunks positional, as Dask's
    assert x.chunks == ((5, 5),)
    da.random.seed(3)
    a = da.random.weibull(2.0, size=6, chunks=3).compute()
    da.random.seed(3)
    np.testing.assert_array_equal(da.random.weibull(2.0, size=6, chunks=3).compute(), a)


def test_array_parameters_broadcast():
    means = np.array([0.0, 10.0, 100.0])
    x = da.random.RandomState(1).lognormal(mean=np.log(means + 1), sigma=0.01, chunks=2)
    assert x.shape == (3,) and x.chunks == ((2, 1),)
    np.testing.assert_allclose(x.compute(), means + 1, rtol=0.05)
    y = da.random.RandomState(1).normal(size=1).dtype   # dusk's own still works
    assert y == np.float64
    z = da.random.RandomState(2).binomial(da.from_array(np.array([[10], [1000]])), 0.5,
                                         size=(2, 4), chunks=1).compute()
    assert z.shape == (2, 4) and z[0].max() <= 10 and z[1].min() > 300
    with pytest.raises(ValueError, match="do not broadcast to size"):
        da.random.binomial(np.ones(3, int), 0.5, size=(4,))


def test_bad_parameters_are_numpys_errors_when_built():
    with pytest.raises(ValueError, match="shape < 0"):
        da.random.gamma(-1.0, size=3)
    with pytest.raises(TypeError, match="missing required argument 'shape'"):
        da.random.gamma(size=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        da.random.beta(1, 2, bogus=3)
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        da.random.beta(1, 2, a=3)


def test_choice_as_dask():
    got = da.random.RandomState(5).choice(np.array([10, 20, 30]), size=(6, 4), chunks=3,
                                          p=[0.1, 0.1, 0.8])
    want = dda.random.RandomState(5).choice(np.array([10, 20, 30]), size=(6, 4), chunks=3,
                                            p=[0.1, 0.1, 0.8])
    assert got.chunks == want.chunks and got.dtype == want.dtype
    v = got.compute()
    assert set(np.unique(v)) <= {10, 20, 30} and (v == 30).mean() > 0.5
    u = da.random.choice(100, size=50, replace=False, chunks=50).compute()
    assert len(np.unique(u)) == 50 and u.max() < 100
    with pytest.raises(NotImplementedError, match="replace=False"):
        da.random.choice(100, size=50, replace=False, chunks=10)
    with pytest.raises(ValueError, match="do not sum to 1"):
        da.random.choice(3, size=2, p=[0.5, 0.1, 0.1])
    with pytest.raises(ValueError, match="same size"):
        da.random.choice(3, size=2, p=[0.5, 0.5])
    with pytest.raises(ValueError, match="one dimensional"):
        da.random.choice(np.ones((2, 2)), size=2)


def test_multinomial_as_dask():
    got = da.random.RandomState(9).multinomial(20, [0.2, 0.3, 0.5], size=(5, 4), chunks=2)
    want = dda.random.RandomState(9).multinomial(20, [0.2, 0.3, 0.5], size=(5, 4), chunks=2)
    assert got.shape == want.shape == (5, 4, 3)
    assert got.chunks == want.chunks == ((2, 2, 1), (2, 2), (3,)) and got.dtype == want.dtype
    v = got.compute()
    assert (v.sum(axis=-1) == 20).all()


def test_array_parameters_are_not_computed_when_built():
    calls = []
    p = da.ones(1000, chunks=100).map_blocks(lambda b: (calls.append(1), b * 2)[1], dtype=float)
    r = da.random.RandomState(0).beta(p, 2, size=(1000,), chunks=100)
    assert calls == [] and r.dtype == np.float64
    assert r.compute().shape == (1000,) and len(calls) == 10
    assert da.random.RandomState(0).beta(np.array([]), 2, size=(0,)).compute().shape == (0,)
    assert da.random.binomial(da.ones(4, chunks=2, dtype=int) * 10, 0.5).dtype == np.int64
    with pytest.raises(NotImplementedError, match="replace=False"):   # any axis in chunks
        da.random.RandomState(0).choice(5, size=(1, 5), chunks=1, replace=False)
