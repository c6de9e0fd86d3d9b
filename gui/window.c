/*
** dusk gui — the window: a run on its own thread, shown as it happens
**
** dusk_view_get, dusk_view_array_compute and dusk_view_array_store open a
** window on the calling thread (SDL wants its window and events on the
** program's main thread), then start the plain call (dusk_get,
** dusk_array_compute, dusk_array_store) on a thread of their own with the
** viewer's callbacks and stream added to the caller's options. The calling
** thread loops at most vo->fps times a second: SDL's events to
** dusk_viewer_handle, the controls asked for handed to the run, the
** stream pumped, a frame drawn and presented. The run's thread touches
** nothing of the window: it only appends to the viewer's stream and calls
** the viewer's start callback (gui/model.c), and sets `done` when the
** call has returned; the loop then joins it, which makes its result
** (rc, err, out) the loop's to read.
**
** The window is opened before the run starts, so a machine with no
** display fails at once (DUSK_EIO) and nothing runs. Closing the window
** while the run goes on stops the run (the controls' close), waits for it
** and returns DUSK_ECANCELED; the run's value, if it got one, is released.
** At exit the last frame goes to vo->screenshot when one is asked for.
** The program's own SDL, if it had any up, is left as it was: the window
** takes the video subsystem with SDL_InitSubSystem and hands it back with
** SDL_QuitSubSystem, and calls SDL_Quit only when SDL was down before.
*/
#include <cairo.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/util.h"
#include "dusk/array.h"
#include "window.h"

/* --- screenshots ------------------------------------------------------------------- */

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len)
{
    return dusk__atomic_write(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS
                                                       : CAIRO_STATUS_WRITE_ERROR;
}

int dusk__write_png(dusk_viewer *v, SDL_Renderer *r, int w, int h, const char *path,
                    const char *who, dusk_error *err)
{
    char name[64];
    if (!path) {   /* the first free number, so that no screenshot is replaced */
        for (int n = v->ui.shots + 1;; n++) {
            snprintf(name, sizeof name, "dusk-screenshot-%d.png", n);
            if (access(name, F_OK) != 0)
                break;
        }
        path = name;
    }
    int ow = 0, oh = 0;
    if (SDL_GetRendererOutputSize(r, &ow, &oh) == 0) {
        w = w < ow ? w : ow;
        h = h < oh ? h : oh;
    }
    if (w <= 0 || h <= 0)
        return dusk_error_set(err, DUSK_EINVAL, "%s%snothing to write to %s: the frame is %dx%d",
                              DUSK__WHO(who), path, w, h);
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, w);
    unsigned char *px = dusk_malloc((size_t)stride * (size_t)h);
    if (!px)
        return dusk_error_set(err, DUSK_ENOMEM, "%s%sout of memory for a %dx%d screenshot",
                              DUSK__WHO(who), w, h);
    if (SDL_RenderReadPixels(r, &(SDL_Rect){0, 0, w, h}, SDL_PIXELFORMAT_ARGB8888, px, stride) !=
        0) {
        dusk_free(px);
        return dusk_error_set(err, DUSK_EIO, "%s%scannot read the window's pixels for %s: %s",
                              DUSK__WHO(who), path, SDL_GetError());
    }
    /* SDL's ARGB8888 and cairo's RGB24 are both a native 32-bit 0x?RGB */
    cairo_surface_t *cs = cairo_image_surface_create_for_data(px, CAIRO_FORMAT_RGB24, w, h, stride);
    dusk__atomic a;
    int rc = dusk__atomic_open(&a, path, err);
    if (rc == 0) {
        cairo_status_t st = cairo_surface_write_to_png_stream(cs, png_write, &a);
        if (st != CAIRO_STATUS_SUCCESS && !a.failed)
            a.failed = 1;
        rc = dusk__atomic_close(&a, st == CAIRO_STATUS_SUCCESS, err);
        if (rc == 0 && st != CAIRO_STATUS_SUCCESS)
            rc = dusk_error_set(err, DUSK_EIO, "%s%scannot write %s: %s", DUSK__WHO(who), path,
                                cairo_status_to_string(st));
    }
    cairo_surface_destroy(cs);
    dusk_free(px);
    if (rc == 0) {
        v->ui.shots++;
        snprintf(v->ui.shot_note, sizeof v->ui.shot_note, "screenshot: %s", path);
    }
    return rc;
}

int dusk_viewer_screenshot(dusk_viewer *v, struct SDL_Renderer *r, int w, int h,
                           const char *path, dusk_error *err)
{
    if (!v)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_viewer_screenshot: v is NULL");
    if (!r)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_viewer_screenshot: r is NULL");
    int rc = dusk_viewer_render(v, r, w, h, err);
    if (rc != 0)
        return rc;
    return dusk__write_png(v, r, w, h, path, "dusk_viewer_screenshot", err);
}

/* --- the run's thread ----------------------------------------------------------------- */

typedef enum { JOB_GET, JOB_REQUEST, JOB_COMPUTE, JOB_STORE } job_kind;

typedef struct job {
    job_kind kind;
    dusk_graph *g;            /* JOB_GET, JOB_REQUEST */
    const char *key;
    dusk_arg *req;            /* JOB_REQUEST: the caller's, until the run takes it */
    dusk_array *a;            /* JOB_COMPUTE, JOB_STORE */
    const char *path, *dataset;
    const dusk_store_options *sopts;
    dusk_options o;           /* the caller's, with the viewer's listeners */
    dusk_callbacks *cbs;      /* the viewer's, then the caller's */
    /* the run's thread writes these, then done; the loop reads them after
     * joining it */
    dusk_value *out;
    dusk_error err;
    int rc;
    atomic_int done;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    switch (j->kind) {
    case JOB_GET:
        j->rc = dusk_get(j->g, j->key, &j->o, &j->out, &j->err);
        break;
    case JOB_REQUEST: {
        dusk_arg *req = j->req;
        j->req = NULL;   /* dusk_compute's from here, also on failure */
        j->rc = dusk_compute(j->g, req, &j->o, &j->out, &j->err);
        break;
    }
    case JOB_COMPUTE:
        j->rc = dusk_array_compute(j->a, &j->o, &j->out, &j->err);
        break;
    case JOB_STORE:
        j->rc = dusk_array_store(j->a, j->path, j->dataset, j->sopts, &j->o, &j->err);
        break;
    }
    atomic_store(&j->done, 1);
    return NULL;
}

/* --- the window ------------------------------------------------------------------------- */

typedef struct session {
    SDL_Window *win;
    SDL_Renderer *ren;
    int video;                /* the video subsystem is ours to hand back */
    int quit_all;             /* SDL was down before: SDL_Quit at the end */
    int unseen;               /* SDL's dummy or offscreen driver: nobody can see
                                 the window, nor close it */
} session;

static void close_window(session *s)
{
    if (s->ren)
        SDL_DestroyRenderer(s->ren);
    if (s->win)
        SDL_DestroyWindow(s->win);
    s->ren = NULL;
    s->win = NULL;
    if (s->video)
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
    s->video = 0;
    if (s->quit_all)
        SDL_Quit();
    s->quit_all = 0;
}

/* What to do when no window opens: set DISPLAY, or, when it is set (a
 * display that is not there: a stopped X server, an ssh session without
 * -X), check it; "no display, set DISPLAY" said nothing to a user whose
 * DISPLAY is set. */
static void display_advice(char *buf, size_t n, const char *x11, const char *wl)
{
    if (x11 && *x11)
        snprintf(buf, n, "DISPLAY is \"%.64s\" but no window opens there (is its X server "
                 "running, may this user use it?); or use SDL_VIDEODRIVER=dummy", x11);
    else if (wl && *wl)
        snprintf(buf, n, "WAYLAND_DISPLAY is \"%.64s\" but no window opens there (is its "
                 "compositor running?); or use SDL_VIDEODRIVER=dummy", wl);
    else
        snprintf(buf, n, "set DISPLAY or use SDL_VIDEODRIVER=dummy");
}

/* Its messages, as the loop's, name no C function: they reach the users
 * of `dusk view` and of Python (DUSK__WHO). */
static int open_window(session *s, const dusk_view_options *vo, dusk_error *err)
{
    memset(s, 0, sizeof *s);
    /* No display, no session and no driver asked for (by the environment
     * or the program's hint, or SDL's video up already): said here, before
     * SDL probes Wayland, whose library would print a line of its own on
     * stderr (XDG_RUNTIME_DIR ...) before dusk's one. With XDG_RUNTIME_DIR
     * set (a login session: Wayland's default socket, kmsdrm on a console)
     * SDL is asked. */
    const char *asked_drv = SDL_getenv("SDL_VIDEODRIVER"), *x11 = SDL_getenv("DISPLAY"),
               *wl = SDL_getenv("WAYLAND_DISPLAY"), *rt = SDL_getenv("XDG_RUNTIME_DIR"),
               *hint = SDL_GetHint(SDL_HINT_VIDEODRIVER);
    if (!(asked_drv && *asked_drv) && !(hint && *hint) && !(x11 && *x11) && !(wl && *wl) &&
        !(rt && *rt) && !SDL_WasInit(SDL_INIT_VIDEO))
        return dusk_error_set(err, DUSK_EIO,
                              "cannot open a window: no display (DISPLAY, "
                              "WAYLAND_DISPLAY and XDG_RUNTIME_DIR are unset); set DISPLAY "
                              "or use SDL_VIDEODRIVER=dummy (or kmsdrm on a console)");
    s->quit_all = SDL_WasInit(SDL_INIT_EVERYTHING) == 0;
    /* a library does not take the program's SIGINT and SIGTERM (a program
     * with SDL up already has chosen for itself) */
    if (s->quit_all)
        SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    char advice[256];
    display_advice(advice, sizeof advice, x11, wl);
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        dusk_error_set(err, DUSK_EIO, "cannot open a window: %s; %s", SDL_GetError(), advice);
        close_window(s);
        return DUSK_EIO;
    }
    s->video = 1;
    /* With no display SDL may fall back on a driver that shows nothing
     * (offscreen): a user who asked for a window gets the error instead,
     * unless SDL_VIDEODRIVER chose that driver (tests, scripts). */
    const char *drv = SDL_GetCurrentVideoDriver(), *asked = SDL_getenv("SDL_VIDEODRIVER");
    s->unseen = drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy"));
    if (s->unseen && !(asked && *asked)) {
        dusk_error_set(err, DUSK_EIO,
                       "cannot open a window: no display (SDL found only its %s driver); %s", drv,
                       advice);
        close_window(s);
        return DUSK_EIO;
    }
    Uint32 flags = SDL_WINDOW_RESIZABLE | (vo->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
    s->win = SDL_CreateWindow(vo->title ? vo->title : "dusk", SDL_WINDOWPOS_CENTERED,
                              SDL_WINDOWPOS_CENTERED, vo->width ? vo->width : 1280,
                              vo->height ? vo->height : 800, flags);
    if (s->win)
        s->ren = SDL_CreateRenderer(s->win, -1, 0);
    if (!s->ren) {
        dusk_error_set(err, DUSK_EIO, "cannot open a window: %s; %s", SDL_GetError(), advice);
        close_window(s);
        return DUSK_EIO;
    }
    return 0;
}

void dusk__note_outcome(dusk_viewer *v, int rc, const char *msg, double secs)
{
    char took[64];
    dusk__fmt_ns(took, sizeof took, secs * 1e9);
    if (rc == 0)
        snprintf(v->ui.message, sizeof v->ui.message, "done in %s: %zu tasks", took,
                 dusk__task_count(v, NULL));
    else   /* the message as the user's program gets it, without the code's name */
        snprintf(v->ui.message, sizeof v->ui.message, "failed after %.24s: %s", took,
                 msg && *msg ? msg : dusk_strerror(rc));
}

int dusk__frame_due(dusk_viewer *v, dusk__drawn *d, int polled, int w, int h, uint64_t now_ms)
{
    dusk__drawn now = {1, w, h, dusk_viewer_paused(v), v->events, v->runs,
                       (uint64_t)(dusk_viewer_delay(v) * 1e9), now_ms, v->shown, v->nlog, v->nrss};
    int moving = (v->epoch && v->follow && !v->run_over) || v->ui.playing || v->ui.want_shot ||
                 v->begin_pending ||
                 dusk_viewer_backlog(v) > 0;
    if (!polled && !moving && d->valid && now_ms - d->at_ms < 1000 && d->w == w && d->h == h &&
        d->paused == now.paused && d->events == now.events && d->runs == now.runs &&
        d->delay_ns == now.delay_ns && d->shown == now.shown && d->nlog == now.nlog &&
        d->nrss == now.nrss)
        return 0;
    *d = now;
    return 1;
}

/* The loop; j NULL: a replay, over already. Returns 0, the code of a frame
 * that could not be drawn, or DUSK_ECANCELED when the window was closed
 * (or vo->stop turned) before the run ended (the run is joined in every
 * case). */
static int loop(dusk_viewer *v, session *s, const dusk_view_options *vo, job *j, pthread_t *th,
                dusk_error *err)
{
    int fps = vo->fps > 0 ? vo->fps : 60;
    Uint64 frame_ms = (Uint64)(1000 / fps), t_run = SDL_GetTicks64();
    int ended = !j, rc = 0, stopped = 0;
    uint64_t last_ns = dusk_now_ns();
    dusk__drawn drawn = {0};
    for (;;) {
        Uint64 t0 = SDL_GetTicks64();
        SDL_Event e;
        int polled = 0;
        while (SDL_PollEvent(&e)) {
            dusk_viewer_handle(v, &e);
            polled = 1;
        }
        /* while the run goes, a bounded share of a core: the run keeps
         * its cores, and a flood of events is shown late, not lost */
        dusk_viewer_pump_for(v, ended ? 0 : DUSK_VIEWER_PUMP_NS);
        uint64_t now_ns = dusk_now_ns();
        dusk__rss_sample(v, now_ns);
        dusk__play(v, now_ns - last_ns);   /* playback (k, [ ], r) */
        last_ns = now_ns;
        if (!ended && atomic_load(&j->done)) {
            pthread_join(*th, NULL);
            ended = 1;
            dusk_viewer_pump(v);   /* the run's last events, RUN_END among them */
            dusk__note_outcome(v, j->rc, j->err.msg, (double)(SDL_GetTicks64() - t_run) / 1e3);
            polled = 1;   /* the outcome's message is drawn at once */
        }
        if (v->ui.close)
            break;
        if (vo->stop && __atomic_load_n(vo->stop, __ATOMIC_ACQUIRE)) {
            stopped = 1;
            break;
        }
        int full = (SDL_GetWindowFlags(s->win) & SDL_WINDOW_FULLSCREEN) != 0;
        if (full != v->ui.fullscreen)
            SDL_SetWindowFullscreen(s->win, v->ui.fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        int w = 0, h = 0;
        SDL_GetRendererOutputSize(s->ren, &w, &h);
        /* a frame that would show what the last one shows is not drawn */
        int draw = w > 0 && h > 0 && dusk__frame_due(v, &drawn, polled, w, h, SDL_GetTicks64());
        if (draw && (rc = dusk__viewer_draw(v, s->ren, w, h, NULL, err)) != 0)
            break;
        /* a replay closes once played to its end; a window nobody can
         * see or close (SDL's dummy or offscreen driver, a script's) as
         * if asked to, or the call would never return */
        if (ended && (vo->close_when_done || s->unseen) &&
            (j || !v->ui.playing || dusk_viewer_time(v) >= dusk_viewer_duration(v)))
            break;
        if (draw)
            SDL_RenderPresent(s->ren);
        Uint64 spent = SDL_GetTicks64() - t0;
        if (spent < frame_ms)
            SDL_Delay((Uint32)(frame_ms - spent));
    }
    if (rc == 0 && vo->screenshot) {
        int w = 0, h = 0;
        SDL_GetRendererOutputSize(s->ren, &w, &h);
        rc = w > 0 && h > 0 ? dusk__viewer_draw(v, s->ren, w, h, NULL, err) : 0;
        if (rc == 0)
            rc = dusk__write_png(v, s->ren, w, h, vo->screenshot, NULL, err);
    }
    if (!ended) {
        /* closed (or failed to draw) during the run: the window goes at
         * once, the run is stopped and waited for */
        close_window(s);
        /* a run that ended in the frame the window closed keeps its result */
        int done = atomic_load(&j->done);
        dusk_viewer_close(v);   /* every gate refuses: the run stops */
        pthread_join(*th, NULL);
        if (!done) {
            if (rc == 0)
                rc = dusk_error_set(err, DUSK_ECANCELED, stopped ? "interrupted"
                                                                 : "the window was closed "
                                                                   "before the run ended");
            dusk_value_unref(j->out);
            j->out = NULL;
        }
    }
    return rc;
}

/* Draws once before anything runs, so that a font that cannot be read
 * fails the call before the run starts. */
static int first_frame(dusk_viewer *v, session *s, dusk_error *err)
{
    int w = 0, h = 0;
    SDL_GetRendererOutputSize(s->ren, &w, &h);
    int rc = w > 0 && h > 0 ? dusk__viewer_draw(v, s->ren, w, h, NULL, err) : 0;
    if (rc == 0)
        SDL_RenderPresent(s->ren);
    return rc;
}

/* What a user of `dusk view` or of Python sets (theme, size, fps, delay,
 * font scale) is refused in their words; what only a C program can get
 * wrong (panels, the run's stream and callbacks) names the call, who. */
static int check_options(const dusk_view_options *vo, const char *who, int *theme,
                         dusk__theme **user, dusk_error *err)
{
    *theme = DUSK__THEME_LIGHT;
    *user = NULL;
    if (vo->width < 0 || vo->height < 0)
        return dusk_error_set(err, DUSK_EINVAL, "the window size %dx%d is negative", vo->width,
                              vo->height);
    if (vo->fps < 0)
        return dusk_error_set(err, DUSK_EINVAL, "the window's %d frames a second are negative",
                              vo->fps);
    if (!(vo->delay >= 0))
        return dusk_error_set(err, DUSK_EINVAL, "the delay %g s is not 0 or more", vo->delay);
    /* the keys' range: a scale of 1000 would ask for a glyph atlas of
     * tens of GB, one under 0.25 was drawn at 1 */
    if (vo->font_scale != 0 &&
        !(vo->font_scale >= DUSK__FONT_SCALE_MIN && vo->font_scale <= DUSK__FONT_SCALE_MAX))
        return dusk_error_set(err, DUSK_EINVAL,
                              "the font scale %g is not 0 (1) or from %g to %g",
                              (double)vo->font_scale, (double)DUSK__FONT_SCALE_MIN,
                              (double)DUSK__FONT_SCALE_MAX);
    /* a screenshot is a PNG: under another name it would mislead whoever
     * opens it, and every other output of dusk's refuses one */
    if (vo->screenshot) {
        const char *dot = strrchr(vo->screenshot, '.'), *slash = strrchr(vo->screenshot, '/');
        if (!dot || (slash && dot < slash) || strcasecmp(dot, ".png") != 0)
            return dusk_error_set(err, DUSK_EINVAL, "the screenshot %s is a PNG: name it .png",
                                  vo->screenshot);
    }
    if (vo->panels & ~(unsigned)DUSK_VIEW_ALL)
        return dusk_error_set(err, DUSK_EINVAL, "%s: panels 0x%x has bits that are no panel's",
                              who, vo->panels);
    const dusk_options *o = vo->run;
    if (o && o->stream)
        return dusk_error_set(err, DUSK_EINVAL,
                              "%s: the run's options have a stream of their own (vo->run->stream);"
                              " the window brings its own: leave it NULL",
                              who);
    if (o && o->ncallbacks && !o->callbacks)
        return dusk_error_set(err, DUSK_EINVAL, "%s: vo->run->callbacks is NULL with ncallbacks %zu",
                              who, o->ncallbacks);
    /* last, as a theme read from a file is the caller's to free */
    return vo->theme ? dusk__theme_open(vo->theme, theme, user, err) : 0;
}

static dusk_viewer *make_viewer(const dusk_view_options *vo, int theme, dusk__theme *user)
{
    dusk_viewer_options o = DUSK_VIEWER_OPTIONS_INIT;
    o.layer_view_threshold = vo->layer_view_threshold;
    o.font = vo->font;
    dusk_viewer *v = dusk_viewer_new(&o);
    if (!v) {
        dusk_free(user);
        return NULL;
    }
    v->theme = theme;
    v->user_theme = user;
    if (vo->font_scale > 0)
        v->font_scale = vo->font_scale;
    dusk__ui_ready(v);
    if (vo->panels)
        v->ui.shown = vo->panels;
    v->ui.paused = vo->start_paused;
    v->ui.delay = vo->delay;
    dusk_viewer_pause(v, vo->start_paused);
    dusk_viewer_set_delay(v, vo->delay);
    v->ui.fullscreen = vo->fullscreen;
    return v;
}

/* Everything the three calls share, from their checked arguments on. */
static int view_run(job *j, const dusk_view_options *vo, dusk_value **out, const char *who,
                    dusk_error *err)
{
    static const dusk_view_options defaults = DUSK_VIEW_OPTIONS_INIT;
    if (!vo)
        vo = &defaults;
    dusk__theme *user;
    int theme, rc = check_options(vo, who, &theme, &user, err);
    if (rc != 0)
        return rc;
    dusk_viewer *v = make_viewer(vo, theme, user);
    const dusk_options *o = vo->run;
    size_t ncb = 1 + (o ? o->ncallbacks : 0);
    j->cbs = v ? dusk_malloc(ncb * sizeof *j->cbs) : NULL;
    if (!j->cbs) {
        dusk_viewer_free(v);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory opening the window");
    }
    /* an array's chunk map drawn with its real chunk sizes */
    if (j->a && (rc = dusk_viewer_set_array(v, j->a, err)) != 0) {
        dusk_free(j->cbs);
        dusk_viewer_free(v);
        return rc;
    }
    j->cbs[0] = dusk_viewer_callbacks(v);
    if (ncb > 1)
        memcpy(j->cbs + 1, o->callbacks, (ncb - 1) * sizeof *j->cbs);
    dusk_options run = DUSK_OPTIONS_INIT;
    if (o)
        run = *o;
    run.callbacks = j->cbs;
    run.ncallbacks = ncb;
    run.stream = dusk_viewer_stream(v);
    j->o = run;
    j->err = (dusk_error)DUSK_ERROR_INIT;
    atomic_init(&j->done, 0);

    session s;
    rc = open_window(&s, vo, err);
    if (rc == 0 && (rc = first_frame(v, &s, err)) != 0)
        close_window(&s);
    pthread_t th;
    if (rc == 0 && pthread_create(&th, NULL, run_job, j) != 0) {
        rc = dusk_error_set(err, DUSK_ESYS, "cannot start the run's thread");
        close_window(&s);
    }
    if (rc == 0) {
        rc = loop(v, &s, vo, j, &th, err);
        close_window(&s);
        if (rc == 0) {
            rc = j->rc;
            if (rc != 0 && err)
                *err = j->err;
        } else {
            dusk_value_unref(j->out);
            j->out = NULL;
        }
        if (out)
            *out = j->out;
        else
            dusk_value_unref(j->out);
    }
    dusk_free(j->cbs);
    dusk_viewer_free(v);
    return rc;
}

int dusk_view_get(dusk_graph *g, const char *key, const dusk_view_options *vo, dusk_value **out,
                  dusk_error *err)
{
    if (out)
        *out = NULL;
    if (!g)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_get: g is NULL");
    if (!key)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_get: key is NULL");
    if (!out)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_get: out is NULL");
    job j = {.kind = JOB_GET, .g = g, .key = key};
    return view_run(&j, vo, out, "dusk_view_get", err);
}

int dusk_view_compute(dusk_graph *g, dusk_arg *request, const dusk_view_options *vo,
                      dusk_value **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    int rc;
    if (!g)
        rc = dusk_error_set(err, DUSK_EINVAL, "dusk_view_compute: g is NULL");
    else if (!request)   /* a request constructor that ran out of memory */
        rc = dusk_error_set(err, DUSK_ENOMEM, "dusk_view_compute: out of memory building the "
                                              "request");
    else if (!out)
        rc = dusk_error_set(err, DUSK_EINVAL, "dusk_view_compute: out is NULL");
    else {
        job j = {.kind = JOB_REQUEST, .g = g, .req = request};
        rc = view_run(&j, vo, out, "dusk_view_compute", err);
        request = j.req;   /* NULL once the run took it */
    }
    dusk_arg_free(request);
    return rc;
}

int dusk_view_array_compute(struct dusk_array *a, const dusk_view_options *vo, dusk_value **out,
                            dusk_error *err)
{
    if (out)
        *out = NULL;
    if (!a)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_array_compute: a is NULL");
    if (!out)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_array_compute: out is NULL");
    job j = {.kind = JOB_COMPUTE, .a = a};
    return view_run(&j, vo, out, "dusk_view_array_compute", err);
}

int dusk_view_array_store(struct dusk_array *a, const char *path, const char *dataset,
                          const struct dusk_store_options *sopts, const dusk_view_options *vo,
                          dusk_error *err)
{
    if (!a)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_array_store: a is NULL");
    if (!path)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_array_store: path is NULL");
    if (!dataset)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_array_store: dataset is NULL");
    job j = {.kind = JOB_STORE, .a = a, .path = path, .dataset = dataset, .sopts = sopts};
    return view_run(&j, vo, NULL, "dusk_view_array_store", err);
}


int dusk_view_theme_check(const char *theme, dusk_error *err)
{
    if (!theme)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_theme_check: theme is NULL");
    int which;
    dusk__theme *user;
    int rc = dusk__theme_open(theme, &which, &user, err);
    dusk_free(user);
    return rc;
}

int dusk_view_trace(const char *path, const dusk_view_options *vo, dusk_error *err)
{
    static const dusk_view_options defaults = DUSK_VIEW_OPTIONS_INIT;
    const char *who = "dusk_view_trace";
    if (!path)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_view_trace: path is NULL");
    if (!vo)
        vo = &defaults;
    dusk__theme *user;
    int theme, rc = check_options(vo, who, &theme, &user, err);
    if (rc != 0)
        return rc;
    dusk_viewer *v = make_viewer(vo, theme, user);
    if (!v)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory opening the window");
    rc = dusk_viewer_load_trace(v, path, err);
    if (rc == 0) {
        dusk__act(v, DUSK__A_PLAY, 0);   /* a replay plays from its start */
        dusk_viewer_seek(v, 0);
    }
    session s;
    if (rc == 0)
        rc = open_window(&s, vo, err);
    if (rc == 0 && (rc = first_frame(v, &s, err)) != 0)
        close_window(&s);
    if (rc == 0) {
        rc = loop(v, &s, vo, NULL, NULL, err);
        close_window(&s);
    }
    dusk_viewer_free(v);
    return rc;
}
