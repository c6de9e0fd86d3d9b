#!/bin/sh
# The README's pictures of the live window, made by examples/view with SDL's
# dummy video driver and software renderer (no display needed), never by
# hand. Run after `make demo` (which writes build/demo/rnd_data.hdf5):
#     sh scripts/screenshots.sh
# Each shows the window at the end of the lecture's r = x - x.mean(axis=0)
# on the demo's (1000, 10000) dataset in (500, 500) blocks, slowed to
# 0.1 s a task as for a class (about 15 s each).
set -e
cd "$(dirname "$0")/.."
[ -f build/demo/rnd_data.hdf5 ] || { echo "screenshots.sh: run 'make demo' first" >&2; exit 1; }
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software
mkdir -p docs
./build/examples/view build/demo/rnd_data.hdf5 --close --screenshot docs/window-light.png </dev/null
./build/examples/view build/demo/rnd_data.hdf5 --close --theme dark \
    --screenshot docs/window-dark.png </dev/null
# high contrast, for a projector that washes pale colours out
./build/examples/view build/demo/rnd_data.hdf5 --close --theme contrast \
    --screenshot docs/window-contrast.png </dev/null
echo "screenshots.sh: docs/window-light.png, docs/window-dark.png, docs/window-contrast.png"
