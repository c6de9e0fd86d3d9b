#!/usr/bin/python3
"""Writes tests/data/order/keys.txt: random tuple keys and where Python's
sorted() puts them, which tests/core/test_order.c checks dusk's key
comparison (dusk__key_cmp) and dusk_graph_order's ties against.

Run by hand with any Python 3 (no packages needed):

    /usr/bin/python3 tests/data/order/gen_key_order.py

Dask's order breaks ties with `<` on the keys (dask.order.StrComparable
falls back to str() only when `<` raises); these keys are built so that it
never raises: a key named 'blk...' holds numbers only, any other key a
number, then a string, then numbers. What they mix is what dusk got wrong
or could: ints of any length and sign, ints near 2^53, 2^60, 2^63, 2^64
against the floats there, floats as repr writes them (1e+20, -0.0, inf),
strings with every escape repr writes, non-ASCII characters and lone
surrogates.

Each line after the '#' comments: the key's rank, a tab, repr(key). The rank
is the index in sorted() of the first key equal to it, so keys that Python
finds equal (('x', 1) and ('x', 1.0)) share it. Lines are in generation
order, not sorted.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
N = 1500

CHARS = ["a", "A", "b", "~", " ", "\n", "\t", "\r", "\\", "'", '"', "\x00",
         "\x01", "\x7f", "\x80", "\xe9", "\xff", "\u0100", "\u2603", "\uffff",
         "\U0001f600", "\ud800", "\ue000", "é"]
NAMES = ["x", "x-1", "ab", "a\n", "a\\", "it's", 'say "hi"', "é", "\u2603"]


def rand_int(r):
    kind = r.randrange(6)
    if kind == 0:
        return r.randint(-3, 3)
    if kind == 1:
        return r.randint(-2**63, 2**63 - 1)
    if kind == 2:
        return r.choice([-1, 1]) * r.randrange(10 ** r.randint(17, 45))
    if kind == 3:
        # next to the powers of two where doubles run out of bits
        p = r.choice([53, 60, 63, 64, 70, 100])
        return r.choice([-1, 1]) * (2**p + r.randint(-3, 3))
    if kind == 4:
        f = rand_float(r)   # the int a float stands for, or next to it
        return int(f) + r.choice([0, 0, -1, 1]) if abs(f) != float("inf") else 10**400
    return r.choice([10**17 - 1, 10**17, 99999999999999999, 123456789012345678,
                     123456789012345679, 2**63 - 1, -2**63, 10**300])


def rand_float(r):
    kind = r.randrange(6)
    if kind == 0:
        return r.choice([0.0, -0.0, 0.5, -0.5, 2.5, 2.25, 1.0, -2.5, -2.25])
    if kind == 1:
        return r.uniform(-10, 10)
    if kind == 2:
        return float(r.choice([-1, 1]) * (2 ** r.choice([53, 60, 63, 64, 70, 100])
                                          + r.randint(-3, 3) * 2 ** 11))
    if kind == 3:
        return r.choice([-1, 1]) * 10.0 ** r.randint(-30, 300)
    if kind == 4:
        return r.choice([float("inf"), float("-inf"), 1e20, 1e300, 5e-324])
    return r.choice([-1, 1]) * r.random() * 10 ** r.randint(0, 25)


def rand_number(r):
    return rand_int(r) if r.random() < 0.6 else rand_float(r)


def rand_str(r):
    return "".join(r.choice(CHARS) for _ in range(r.randint(0, 4)))


def pools(r):
    """Numbers and strings that keys draw from most of the time, so that
    keys often tie on an element and the next one decides; with each
    number's twin of the other type (2**60 and 1.152921504606847e+18)."""
    nums = [rand_number(r) for _ in range(60)]
    for v in list(nums):
        if isinstance(v, float) and abs(v) != float("inf"):
            nums.append(int(v))
        elif isinstance(v, int) and abs(v) < 2**1000:
            nums.append(float(v))
    return nums, [rand_str(r) for _ in range(30)]


def rand_key(r, nums, strs):
    def num():
        return r.choice(nums) if r.random() < 0.8 else rand_number(r)

    if r.random() < 0.3:
        # array keys: few names, small ints (packed), some not
        name = r.choice(["blk", "blk-2"])
        n = r.randint(0, 4)
        small = r.random() < 0.7
        return (name,) + tuple(r.randint(-3, 3) if small and r.random() < 0.8
                               else num() for _ in range(n))
    key = (r.choice(NAMES),)
    for i in range(r.randint(0, 4)):
        if i == 1:
            key += (r.choice(strs) if r.random() < 0.8 else rand_str(r),)
        else:
            key += (num(),)
    return key


def main():
    r = random.Random(11)
    nums, strs = pools(r)
    keys, seen = [], set()
    while len(keys) < N:
        k = rand_key(r, nums, strs)
        if repr(k) not in seen:
            seen.add(repr(k))
            keys.append(k)
    s = sorted(keys)
    rank, first = {}, 0
    for i, k in enumerate(s):
        if i and not s[i - 1] == k:
            first = i
        rank[repr(k)] = first
    with open(os.path.join(HERE, "keys.txt"), "w", encoding="utf-8") as f:
        f.write("# written by gen_key_order.py: rank in Python's sorted(), tab, key\n")
        for k in keys:
            f.write("%d\t%r\n" % (rank[repr(k)], k))


if __name__ == "__main__":
    main()
