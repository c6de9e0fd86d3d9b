/*
** examples/view.c — the lecture's array job, watched in the live window
**
** r = x - x.mean(axis=0), with x a (1000, 1000) array of ones in (250, 250)
** blocks, or the dataset of an HDF5 file in (500, 500) blocks (the demo's
** rnd_data.hdf5: `make view-demo` passes it when `make demo` has made it).
** The run goes slowly (at least 0.1 s per task) so that a class can follow
** the blocks being read, reduced and subtracted; space pauses it, n steps
** one task, s and S change the pace, h lists every key.
**
** With no display (no DISPLAY or WAYLAND_DISPLAY, and no SDL_VIDEODRIVER
** chosen), or DUSK_VIEW_HEADLESS=1, it computes r without a window and says
** how to open one; so do `make test` and `make installcheck` on a machine
** without a screen. Run by a script (stdin not a terminal) or with
** --close, the window closes by itself when the run has ended.
**
** Usage: view [FILE.hdf5 [DATASET]] [--close] [--screenshot PNG] [--theme NAME|FILE.theme]
**   DATASET defaults to /data_set_1.
** Build against an installed dusk:
**     cc view.c $(pkg-config --cflags --libs dusk)
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dusk.h>
#include <dusk/array.h>
#include <dusk/gui.h>

static int has_display(void)
{
    const char *headless = getenv("DUSK_VIEW_HEADLESS");
    if (headless && strcmp(headless, "1") == 0)
        return 0;
    const char *env[] = {"DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"};
    for (size_t i = 0; i < 3; i++)
        if (getenv(env[i]) && *getenv(env[i]))
            return 1;
    return 0;
}

/* r's column means must be 0 (to rounding): x's were taken off. */
static int check(const dusk_value *r)
{
    const int64_t *shape = dusk_ndarray_shape(r);
    const double *d = dusk_ndarray_data(r);
    double worst = 0;
    for (int64_t j = 0; j < shape[1]; j++) {
        double s = 0;
        for (int64_t i = 0; i < shape[0]; i++)
            s += d[i * shape[1] + j];
        if (fabs(s / (double)shape[0]) > worst)
            worst = fabs(s / (double)shape[0]);
    }
    printf("r: %lld x %lld, largest column mean %.3g\n", (long long)shape[0], (long long)shape[1],
           worst);
    return worst < 1e-9 ? 0 : 1;
}

int main(int argc, char **argv)
{
    /* Messages begin with the name it was started as: "view", or, from the
     * dusk command (argv[0] "dusk demo window" or "dusk view --demo
     * window"), what the user typed: "dusk demo", "dusk view". */
    char me[64] = "view";
    if (argc > 0 && argv[0] && strncmp(argv[0], "dusk ", 5) == 0) {
        snprintf(me, sizeof me, "%s", argv[0]);
        char *space = strchr(me + 5, ' ');
        if (space)
            *space = '\0';
    }
    const char *file = NULL, *dataset = "/data_set_1", *shot = NULL, *theme = NULL;
    int close_when_done = !isatty(STDIN_FILENO), npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--close") == 0)
            close_when_done = 1;
        else if (i + 1 < argc && ((!strcmp(argv[i], "--screenshot") && shot) ||
                                  (!strcmp(argv[i], "--theme") && theme))) {
            /* one value each: a second would silently win over the first */
            fprintf(stderr, "%s: %s given twice ('%s' and '%s')\n", me, argv[i],
                    argv[i][2] == 's' ? shot : theme, argv[i + 1]);
            return 2;
        } else if (strcmp(argv[i], "--screenshot") == 0 && i + 1 < argc)
            shot = argv[++i];
        else if (strcmp(argv[i], "--theme") == 0 && i + 1 < argc) {
            theme = argv[++i];
            dusk_error err = DUSK_ERROR_INIT;
            if (dusk_view_theme_check(theme, &err) != 0) {
                fprintf(stderr, "%s: --theme: %s\n", me, err.msg);
                return 2;
            }
        }
        else if (argv[i][0] == '-' || npos == 2) {
            /* --help on stdout; any other option, or a third argument
             * (it replaced the dataset), is bad usage. argv[0] is
             * build/examples/view, or "dusk demo window" from the dusk command */
            int help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
            int valued = !strcmp(argv[i], "--screenshot") || !strcmp(argv[i], "--theme");
            if (!help && valued)
                fprintf(stderr, "%s: %s needs a value\n", me, argv[i]);
            else if (!help && argv[i][0] == '-')
                fprintf(stderr, "%s: unknown option '%s'\n", me, argv[i]);
            else if (!help)
                fprintf(stderr, "%s: one file and one dataset at most ('%s' is a third)\n", me,
                        argv[i]);
            fprintf(help ? stdout : stderr, "usage: %s [FILE.hdf5 [DATASET]] [--close] "
                    "[--screenshot PNG] [--theme light|dark|contrast|FILE.theme]\n",
                    argc > 0 && argv[0] ? argv[0] : "view");
            return help ? 0 : 2;
        } else if (npos++ == 0)
            file = argv[i];
        else
            dataset = argv[i];
    }

    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = file ? dusk_from_hdf5(ctx, file, dataset, "(500, 500)")
                         : dusk_ones(ctx, DUSK_SHAPE(1000, 1000), "(250, 250)", DUSK_DT_F8);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(r, &err) != 0) {
        fprintf(stderr, "%s: building r = x - x.mean(axis=0)%s%s: %s\n", me, file ? " from " : "",
                file ? file : "", err.msg);
        dusk_array_ctx_free(ctx);
        return 1;
    }
    printf("r = x - x.mean(axis=0), x = %s\n", file ? file : "ones((1000, 1000), chunks=(250, 250))");

    dusk_value *out = NULL;
    int rc;
    if (has_display()) {
        printf("keys: space pause/resume, n step, s/S slower/faster, +/- or wheel zoom,\n"
               "      drag pan, f fit, click a task, t theme, p screenshot, h all keys, q close\n");
        dusk_options o = DUSK_OPTIONS_INIT;
        dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
        vo.run = &o;
        vo.delay = 0.1;   /* slow enough for a class to follow */
        vo.title = "dusk: r = x - x.mean(axis=0)";
        vo.close_when_done = close_when_done;
        vo.screenshot = shot;
        vo.theme = theme;
        rc = dusk_view_array_compute(r, &vo, &out, &err);
        if (rc == DUSK_EIO && !out && strstr(err.msg, "cannot open a window")) {
            printf("%s: %s\n%s: computing without the window\n", me, err.msg, me);
            rc = dusk_array_compute(r, NULL, &out, &err);
        }
    } else {
        printf("%s: no display: computing without the window. To watch it, run this where\n"
               "      a screen is (DISPLAY set), e.g. `make view-demo` on your desktop or\n"
               "      `ssh -X`; SDL_VIDEODRIVER=dummy draws without one (for tests).\n", me);
        rc = dusk_array_compute(r, NULL, &out, &err);
    }
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", me, err.msg);
        dusk_array_ctx_free(ctx);
        return 1;
    }
    rc = check(out);
    dusk_value_unref(out);
    dusk_array_ctx_free(ctx);
    return rc;
}
