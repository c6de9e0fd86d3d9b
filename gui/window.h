/*
** dusk gui — private to libdusk-gui: the window's tables (SDL2)
**
** Two tables say what the window has, and everything else is generated
** from them: the panel table (render.c: each panel's name, key, bit, draw
** and hit functions; where each one is and whether it shows is per viewer,
** in v->ui) and the key table (input.c: each binding's key, modifiers,
** action and label). The help overlay lists the key table, so it cannot
** go stale; every key and every panel toggle goes through dusk__act, the
** one place where the window's actions reach the run's controls.
*/
#ifndef DUSK_GUI_WINDOW_H
#define DUSK_GUI_WINDOW_H

#include "draw.h"

/* --- panels (render.c) ----------------------------------------------------- */

/* Draws the viewer's state into box b of the frame. */
typedef void (*dusk__draw_fn)(dusk_viewer *v, dusk__frame *f, SDL_Rect b);
/* The task drawn at pixel (x, y) of the frame, b being the panel's box;
 * -1 for none. */
typedef int64_t (*dusk__hit_fn)(const dusk_viewer *v, SDL_Rect b, int x, int y);

typedef struct dusk__panel {
    const char *name;         /* "task stream": the help overlay names it */
    SDL_Keycode key;          /* shows and hides it; 0: none */
    unsigned bit;             /* DUSK_VIEW_* */
    dusk__draw_fn draw;       /* NULL: not in this build (never laid out) */
    dusk__hit_fn hit;         /* NULL: nothing to point at */
} dusk__panel;

extern const dusk__panel dusk__panels[DUSK__NPANELS];

/* Sets a zeroed v->ui up: every panel shown, the splitters' defaults. */
void dusk__ui_ready(dusk_viewer *v);
/* Places the panels of `shown` (and the splitters between them) in w x h,
 * the status strip status_h high at the very bottom; fills ui->box,
 * split_box and split_span. */
void dusk__arrange(dusk__ui *ui, unsigned shown, int w, int h, int status_h);
/* dusk_viewer_render with its arguments checked (v, r, w, h > 0); who
 * names the caller in messages (NULL: the window, DUSK__WHO). */
int dusk__viewer_draw(dusk_viewer *v, SDL_Renderer *r, int w, int h, const char *who,
                      dusk_error *err);
/* The graph panel's node under (x, y) (not in the layer view), or -1. */
int64_t dusk__graph_hit(const dusk_viewer *v, SDL_Rect b, int x, int y);
/* The tooltip of a task (its key, function, state, worker, duration,
 * bytes; a waiting task's "waits for: ..."), lines separated by '\n', as
 * snprintf (returns the full length). "" for a task not in the plan. */
size_t dusk__tooltip_text(const dusk_viewer *v, int64_t task, char *buf, size_t n);
/* The box of panel k as an SDL_Rect. */
SDL_Rect dusk__panel_box(const dusk_viewer *v, int k);

/* --- keys (input.c) ------------------------------------------------------- */

enum {
    DUSK__A_PAUSE, DUSK__A_STEP, DUSK__A_SLOWER, DUSK__A_FASTER, DUSK__A_THEME,
    DUSK__A_FONT_UP, DUSK__A_FONT_DOWN, DUSK__A_FULLSCREEN, DUSK__A_SHOT, DUSK__A_HELP,
    DUSK__A_CLOSE, DUSK__A_ZOOM_IN, DUSK__A_ZOOM_OUT, DUSK__A_FIT, DUSK__A_PAN_LEFT,
    DUSK__A_PAN_RIGHT, DUSK__A_PAN_UP, DUSK__A_PAN_DOWN, DUSK__A_PANEL, DUSK__A_SCRUB_START,
    DUSK__A_SCRUB_END, DUSK__A_SCRUB_BACK, DUSK__A_SCRUB_FORWARD, DUSK__A_PLAY,
    DUSK__A_PLAY_SLOWER, DUSK__A_PLAY_FASTER, DUSK__A_PLAY_REVERSE, DUSK__NACTIONS
};

/* Modifiers a binding needs: exactly these of ctrl and shift are held
 * (DUSK__M_ANY: whatever is held). */
enum { DUSK__M_NONE = 0, DUSK__M_CTRL = 1, DUSK__M_SHIFT = 2, DUSK__M_ANY = 4 };

typedef struct dusk__key {
    SDL_Keycode sym;
    unsigned mods;            /* DUSK__M_* */
    int action;               /* DUSK__A_* */
    int arg;                  /* DUSK__A_PANEL: the panel */
    const char *label;        /* how the help overlay writes the key */
} dusk__key;

extern const dusk__key dusk__keys[];
extern const size_t dusk__nkeys;

/* The help overlay's lines: one per action (and panel), its keys and what
 * it does, as "keys\twhat", plus the mouse's. Returns how many lines
 * (up to max); each line is written into lines[i] (n bytes each). */
size_t dusk__help_lines(char (*lines)[96], size_t max);
/* Does an action (arg: the panel of DUSK__A_PANEL): the one place where
 * keys reach the view, the run's controls and the scrubber. */
void dusk__act(dusk_viewer *v, int action, int arg);
/* Seeks to the fraction frac (0..1) of the run shown: the scrubber bar
 * (1 or more: follow the run live again). */
void dusk__scrub_to(dusk_viewer *v, double frac);
/* Playback, a frame's worth: moves the shown time by wall_dt_ns at the
 * speed k, [ ] and r asked for (dusk_viewer_advance), and stops the
 * playback once it has reached the end of a run that has ended (or, going
 * backwards, its start). */
void dusk__play(dusk_viewer *v, uint64_t wall_dt_ns);
/* The text sizes ctrl+= and ctrl+- move between, and dusk_view_options'
 * font_scale may ask for. */
#define DUSK__FONT_SCALE_MIN 0.5f
#define DUSK__FONT_SCALE_MAX 4.0f
/* The slow-motion steps s and S move through, in s per task (0: off). */
double dusk__delay_next(double d, int slower);

/* --- frames (window.c) ----------------------------------------------------- */
/* What the last frame drawn showed, beyond the window's own state (which
 * changes only through an SDL event): zeroed before the first frame. */
typedef struct dusk__drawn {
    int valid, w, h, paused;
    uint64_t events, runs, delay_ns, at_ms;
    size_t shown, nlog, nrss;
} dusk__drawn;
/* Whether the loop must draw a frame now (1, and *d notes it), or the
 * last one drawn still shows everything (0: an idle window, a finished
 * run looked at, costs no drawing): polled says an SDL event came this
 * frame, w x h is the output's size, now_ms SDL's ticks. A live run
 * followed (the clock moves "now"), a playback, a plan being laid out,
 * events waiting, a new event, scrub or control always draw, and every
 * second does. */
int dusk__frame_due(dusk_viewer *v, dusk__drawn *d, int polled, int w, int h, uint64_t now_ms);
/* The status strip's message once the run's call returned rc after secs:
 * "done in 1.23 s: 141 tasks", or "failed after 1.23 s: " and msg (the
 * dusk_error's message the caller gets: the failing task's key and what
 * it said), or dusk_strerror(rc) where msg is empty; never a code's name. */
void dusk__note_outcome(dusk_viewer *v, int rc, const char *msg, double secs);

/* --- screenshots (window.c) ------------------------------------------------ */

/* Reads the frame drawn into r (w x h, before any present) and writes it
 * to path (NULL: the first free dusk-screenshot-N.png of the current
 * directory) as a PNG, atomically; the name written in v->ui.shot_note.
 * who as in dusk__viewer_draw. */
int dusk__write_png(dusk_viewer *v, SDL_Renderer *r, int w, int h, const char *path,
                    const char *who, dusk_error *err);

#endif /* DUSK_GUI_WINDOW_H */
