#!/bin/sh
# scripts/install-deps.sh — install the Debian packages dusk needs
#
# Usage: scripts/install-deps.sh [EXTRA-PACKAGE ...]
#
# Checks every package of PACKAGES below (and any given on the command line)
# with dpkg-query. When all are installed it prints nothing and exits 0 at
# once, so the Makefile can call it before every `make demo` / `make test`.
# It also installs the npm packages of tests/profiler/viewers/ into
# build/viewers/ (`npm ci`, once per lockfile; see viewers() below).
# When some are missing:
#   - as root: `apt-get update`, then `apt-get install` of the missing ones;
#   - otherwise: prints the exact `sudo apt-get install ...` line and exits 1.
# On a machine without dpkg (not Debian) it warns once and exits 0: install
# the equivalents by hand.
#
# To add a dependency, add its Debian package to PACKAGES (and to README.md).
set -eu

PACKAGES="
build-essential
pkg-config
libcmocka-dev
libhdf5-dev
hdf5-tools
zlib1g-dev
libopenblas-dev
liblapacke-dev
libgraphviz-dev
libcairo2-dev
libjansson-dev
chromium
clang
libclang-rt-dev
libsdl2-dev
libsdl2-ttf-dev
fonts-dejavu-core
xvfb
xauth
python3-numpy
python3-h5py
python3-dev
python3-pytest
python3-dask
python3-scipy
python3-nbconvert
python3-ipykernel
libopenmpi-dev
openmpi-bin
libxml2-utils
librsvg2-bin
"
# Who needs what: libhdf5-dev (core/ arrays; hdf5-tools gives the tests
# h5dump), zlib1g-dev (array/h5.c inflates gzip chunks itself),
# libopenblas-dev (core/ block products), liblapacke-dev (array/lapack.c:
# the factorisations' block kernels, LAPACK's C interface), libgraphviz-dev (viz/),
# libcairo2-dev (profiler/ charts), libjansson-dev (profiler/ reads traces;
# the coming `dusk` command), chromium (tests/test_profiler.c loads the HTML
# report in headless Chromium), clang and libclang-rt-dev (`make fuzz`:
# libFuzzer, libclang_rt.fuzzer-x86_64.a, is in libclang-rt-14-dev on
# Debian 12, which libclang-rt-dev picks to match `clang`; clang's clang++
# and build-essential's g++ build tests/cxx/), libsdl2-dev and
# libsdl2-ttf-dev (gui/ draws with SDL2, its labels with SDL2_ttf),
# fonts-dejavu-core (the profiler's charts write their text in DejaVu Sans
# through cairo; gui/ has its own copy, built in from assets/fonts/;
# tests/gui/ draws headless with SDL's dummy driver, so needs no X server), xvfb and xauth
# (tests/gui/test_xvfb.c runs examples/view in a virtual X server; xauth for
# xvfb-run, to do the same by hand), python3-numpy and python3-h5py (what
# real clients read: tests/array/test_h5_faults.c reads files h5py wrote,
# tests/cli/test_expr.c compares dusk eval with NumPy through h5py; CI
# fails a test that skips, so they must be there), python3-dev (the Python
# module, python/, builds against its headers and NumPy's), python3-pytest
# (tests/python/) and python3-dask (tests/python/ compare dusk with Dask and
# run Dask's collections on dusk's scheduler; tests/array/test_map.c and
# tests/array/test_lapack.c compare their graphs with the ones Dask builds),
# python3-scipy (Dask's linalg imports it for solve_triangular, lstsq and
# lu_solve: Debian's python3-dask only recommends it, and test_lapack runs
# those),
# python3-nbconvert and python3-ipykernel (tests/python/test_notebook.py
# runs assets/samples/lecture.ipynb), libopenmpi-dev (mpi/: libdusk-mpi,
# DUSK_SCHED_MPI, links Open MPI, pkg-config ompi-c) and openmpi-bin
# (mpirun: tests/mpi/test_mpi.c and bench/mpi.c start their ranks with it),
# libxml2-utils (xmllint: tests/viz/test_svg.c checks that the SVG dusk
# writes itself is well-formed) and librsvg2-bin (rsvg-convert: the same
# test has a real client draw it).

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: dpkg-query not found (not Debian?); make sure these are installed:" $PACKAGES "$@" >&2
    exit 0
fi

missing=""
for p in $PACKAGES "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case "$status" in
        ii*) ;;
        *) missing="$missing $p" ;;
    esac
done
# node and npm (tests/profiler/test_viewers.c), unless a node with its npm
# is there already. nodejs first, alone: NodeSource's nodejs brings its own
# npm and conflicts with Debian's, which is installed afterwards only if no
# npm came with it (node_npm, below). Without root they are optional: the
# viewers' test skips, saying so.
node_wanted=0
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        node_wanted=1
    else
        echo "install-deps: no node/npm: tests/profiler/test_viewers.c will skip its viewers" \
             "(sudo apt-get install -y nodejs npm)" >&2
    fi
fi

node_npm() {
    [ "$node_wanted" -eq 1 ] || return 0
    export DEBIAN_FRONTEND=noninteractive
    if ! command -v node >/dev/null 2>&1; then
        echo "install-deps: installing nodejs"
        [ -n "${updated:-}" ] || { apt-get update -qq </dev/null; updated=1; }
        apt-get install -y -qq --no-install-recommends nodejs </dev/null
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-deps: installing npm"
        [ -n "${updated:-}" ] || { apt-get update -qq </dev/null; updated=1; }
        apt-get install -y -qq --no-install-recommends npm </dev/null
    fi
}

# The trace viewers that test_viewers.c loads traces into, pinned by
# tests/profiler/viewers/package-lock.json, into build/viewers/ with
# `npm ci`; nothing to do when that lockfile is the one installed. No
# network is not an error: the test then skips, saying so.
viewers() {
    lock=tests/profiler/viewers/package-lock.json
    dest=build/viewers
    [ -f "$lock" ] && command -v npm >/dev/null 2>&1 || return 0
    if cmp -s "$lock" "$dest/installed.json" && [ -d "$dest/node_modules" ]; then
        return 0
    fi
    echo "install-deps: npm ci of the trace viewers into $dest/"
    rm -rf "$dest"
    mkdir -p "$dest"
    cp tests/profiler/viewers/package.json "$lock" "$dest/"
    if npm ci --prefix "$dest" --ignore-scripts --no-audit --no-fund --loglevel=error \
            </dev/null >"$dest/npm.log" 2>&1; then
        cp "$lock" "$dest/installed.json"
    else
        echo "install-deps: npm ci failed (see $dest/npm.log); test_viewers will skip" >&2
    fi
}

if [ -z "$missing" ]; then
    node_npm
    viewers
    exit 0
fi
missing=${missing# }

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: $missing" >&2
    echo "install-deps: install them with:" >&2
    echo "    sudo apt-get install -y $missing" >&2
    exit 1
fi

echo "install-deps: installing $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
updated=1
# shellcheck disable=SC2086  # word splitting of the package list is wanted
apt-get install -y -qq --no-install-recommends $missing </dev/null
node_npm
echo "install-deps: done"
viewers
