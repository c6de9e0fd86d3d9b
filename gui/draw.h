/*
** dusk gui — private to libdusk-gui: what every panel draws with (SDL2)
**
** A frame (dusk__frame) is the renderer, the viewer's glyph atlas made
** into a texture for this frame, the theme and the font scale. Panels draw
** into a box of the frame with the helpers below and never call
** TTF_Render* themselves: text is copied glyph by glyph from one atlas.
** Only gui/ includes this header (and SDL's).
*/
#ifndef DUSK_GUI_DRAW_H
#define DUSK_GUI_DRAW_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "gui.h"

/* The colours of a theme and the width of its strokes, read from a theme
 * file (assets/themes/: light, dark and high contrast are built in; a
 * user's own file with dusk_view_options.theme). Light and dark draw the
 * states in Dask's dashboard colours; high contrast, for a projector that
 * washes pale colours out, is white on black with pure colours for the
 * states and every outline and edge twice as thick. */
typedef struct dusk__theme {
    char name[32];
    uint8_t bg[3];       /* panels' background */
    uint8_t strip[3];    /* legend and title strips */
    uint8_t fg[3];       /* text */
    uint8_t dim[3];      /* secondary text, axes, grid */
    uint8_t edge[3];     /* the graph's edges */
    uint8_t accent[3];   /* selection and highlights */
    uint8_t state[DUSK_TASK_NSTATES][3];   /* each task state's colour */
    int stroke;          /* outlines, edges and rules: this many px a line */
} dusk__theme;

/* The built-in themes, then a user's (a viewer's own, v->user_theme). */
enum { DUSK__THEME_LIGHT, DUSK__THEME_DARK, DUSK__THEME_CONTRAST, DUSK__NTHEMES,
       DUSK__THEME_USER = DUSK__NTHEMES };

/* A built-in theme (DUSK__THEME_*), read from assets/themes/ once. */
const dusk__theme *dusk__theme_at(int i);
/* The theme viewer v draws with now. */
const dusk__theme *dusk__viewer_theme(const dusk_viewer *v);
/* Reads the theme that `spec` names: a built-in's name (light, dark,
 * contrast or high-contrast; *builtin its DUSK__THEME_*, *user NULL) or a
 * theme file's path (*builtin DUSK__THEME_USER, *user a new theme for
 * dusk_free). DUSK_EINVAL naming the file and line of what is wrong,
 * DUSK_EIO for a file that cannot be read, DUSK_ENOMEM. */
int dusk__theme_open(const char *spec, int *builtin, dusk__theme **user, dusk_error *err);
/* Parses a theme's text; `origin` names it in messages. Keys it does not
 * set are its base's (a "base = NAME" line; else light's). */
int dusk__theme_parse(dusk__theme *th, const char *text, size_t len, const char *origin,
                      dusk_error *err);

/* The font and its atlas, made at the first frame and again when the font
 * scale changes; the node buffer of the graph panel. */
struct dusk__render {
    TTF_Font *font;
    float scale;              /* the font scale the atlas was made at */
    SDL_Surface *atlas;       /* glyphs ' '..'~' side by side, white on clear */
    int gx[96], gw[96];       /* each glyph's x in the atlas and its advance */
    SDL_FRect *rects;         /* the graph panel's nodes, grouped by state */
    size_t rects_cap;
};

typedef struct dusk__frame {
    SDL_Renderer *r;
    dusk__render *R;
    SDL_Texture *glyphs;      /* R->atlas for this frame (NULL: text skipped) */
    const dusk__theme *th;
    int line;                 /* the height of a line of text, pixels */
} dusk__frame;

/* The height of a panel's title strip and of the graph's legend for text
 * lines `line` px high: 28 px, or taller for a larger text (a fixed 28 cut
 * the legend's text from the third ctrl+= on, and laid it over the
 * nodes). */
static inline int dusk__strip_h(int line)
{
    return line + 8 > 28 ? line + 8 : 28;
}

/* Messages of calls that a C program makes name the call ("%s%s" with
 * DUSK__WHO(who): "dusk_viewer_render: "); the window's own (who NULL)
 * do not, as they reach the users of `dusk view` and of Python, to whom
 * a C function's name says nothing. */
#define DUSK__WHO(who) (who) ? (who) : "", (who) ? ": " : ""

/* Opens the font (at 14 px x v->font_scale) when needed and makes the
 * frame; DUSK_EIO naming the font, DUSK_ENOMEM. `who` names the caller in
 * messages (NULL: the window, which names none). */
int dusk__frame_begin(dusk_viewer *v, SDL_Renderer *r, dusk__frame *f, const char *who,
                      dusk_error *err);
void dusk__frame_end(dusk__frame *f);

void dusk__set_rgb(dusk__frame *f, const uint8_t rgb[3]);
void dusk__fill(dusk__frame *f, const uint8_t rgb[3], float x, float y, float w, float h);
/* Writes s at (x, y) (its top-left) in rgb; returns the x after it.
 * Characters outside printable ASCII show as '?'. */
float dusk__text(dusk__frame *f, float x, float y, const char *s, const uint8_t rgb[3]);
float dusk__text_width(const dusk__frame *f, const char *s);

/* --- panels: each draws the viewer's state into box b of the frame ------ */

/* The graph: a legend strip (each state's colour, name and count) at the
 * top, the layout below it, fitted to the box and then zoomed and panned
 * by v->zoom, v->pan_x, v->pan_y (dusk__view_fit, offset by the box). */
void dusk__panel_graph(dusk_viewer *v, dusk__frame *f, SDL_Rect b);
/* Nodes the last dusk__panel_graph labelled (tests): each node's label
 * (its key, or what it does, and the function or chunk index under it, as
 * visualize() names them) is drawn inside it once the nodes are at least
 * two lines of text high, for the nodes in the panel only. */
extern size_t dusk__graph_labels;
/* Zoomed out past those labels, each task group's name (key_split, as the
 * progress panel's rows) is drawn once over its nodes, largest groups
 * first and none over another (graphs up to DUSK__GROUP_LABELS_MAX tasks):
 * how many the last dusk__panel_graph drew, and the first few's names. */
#define DUSK__GROUP_LABELS_MAX 20000
extern size_t dusk__graph_group_labels;
extern char dusk__graph_group_label[8][64];

/* chunks.c: the chunk map (gui.h, "arrays and layout"): the result
 * array's block grid large on the left, up to 3 inputs' small on the
 * right, each titled, each block in its task's state colour; "no arrays
 * in this run" without tuple keys. The grids are made at the first draw
 * of a plan and kept until the next plan. */
void dusk__panel_chunks(dusk_viewer *v, dusk__frame *f, SDL_Rect b);
/* The task whose block is drawn at pixel (x, y) by the last
 * dusk__panel_chunks into box b, or -1 (no block there, or the grids of
 * the current plan not drawn yet). */
int64_t dusk__chunks_hit(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, int x, int y);
/* The chunk map's grids as drawn (for tests and tooltips): how many are
 * shown (0 without arrays; the result is grid 0), and grid k's full name,
 * its title, its shape in blocks and the task of block (i, j) (-1). */
size_t dusk__chunks_ngrids(const dusk_viewer *v);
int dusk__chunks_grid(const dusk_viewer *v, size_t k, const char **name, const char **title,
                      int64_t *rows, int64_t *cols);
int64_t dusk__chunks_task(const dusk_viewer *v, size_t k, int64_t i, int64_t j);
/* Shown grid k's title as drawn in box b, shortened to its slot (buf),
 * and the slot's width in px; -1 for no such grid. */
float dusk__chunks_title(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, size_t k,
                         char *buf, size_t n);
/* Where block (i, j) of shown grid k is drawn in box b (gap included);
 * 0, or DUSK_EINVAL for no such block. */
int dusk__chunks_cell(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, size_t k,
                      int64_t i, int64_t j, SDL_FRect *r);

/* --- panels.c: task stream, memory, progress, status line ---------------- */
/* Task t's task group (key_split of its key, the progress panel's row):
 * its index below *ngroups and its name in *name; -1 for a literal (in no
 * group) or without the panels' cache (out of memory). */
int32_t dusk__task_group(dusk_viewer *v, int64_t t, const char **name, size_t *ngroups);
/* The task stream's function colours (panels.c): DUSK__NFUNC_RGB of them,
 * each at least DUSK__FUNC_RGB_APART (dusk__rgb_distance, RGB's euclidean
 * distance) from every other and from every theme's state colours. */
#define DUSK__NFUNC_RGB 14
#define DUSK__FUNC_RGB_APART 60.0
extern const uint8_t dusk__func_rgb[DUSK__NFUNC_RGB][3];
double dusk__rgb_distance(const uint8_t a[3], const uint8_t b[3]);
/* Task t's colour in the task stream (its function's) once a frame has
 * drawn the stream of the current plan; 0, or -1 (not drawn yet, or t no
 * task: a literal or an alias, which the stream does not show). */
int dusk__stream_colour(const dusk_viewer *v, int64_t t, uint8_t rgb[3]);
/* The time axes' ticks: the step between two (1, 2 or 5 times a power of
 * ten, in ns) on a w px axis from lo to hi ns, few enough that no two
 * labels meet, and the first tick's time (*first); and a tick's label. */
double dusk__tick_step(const dusk__frame *f, float w, uint64_t lo, uint64_t hi, double *first);
void dusk__tick_label(char *buf, size_t n, double ns, double step_ns, double end_ns);

/* Each panel has a title strip at its top. "Now" is the time of
 * log[shown - 1]: nothing after it is drawn. */
/* A row per worker, a bar per task from its START to its END (or now),
 * coloured by function as the profiler's charts (dusk_profiler_colour with
 * no profiler), over the last v->stream_span seconds (0: 10; the whole run
 * while it is shorter), ticks under it. v->selected and the tasks it needs
 * and that need it are outlined in the theme's accent. */
void dusk__panel_stream(dusk_viewer *v, dusk__frame *f, SDL_Rect b);
/* Tests: non-zero makes the task stream visit every bar, as it does for a
 * trace whose workers run tasks that overlap (the pixels must not differ);
 * walked_rows says whether the last frame bisected its rows instead. */
extern int dusk__stream_walk_all, dusk__stream_walked_rows;
/* Task t's bar in the stream drawn in box b (before bars that would only
 * repaint their row's pixels are skipped): 0, or -1 when it is not on the
 * plot as of now. */
int dusk__stream_bar(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, int64_t t,
                     SDL_FRect *r);
/* The task whose bar is under pixel (x, y) of the stream drawn in box b
 * (the last drawn there when bars share the pixel), or -1. */
int64_t dusk__stream_hit(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, int x, int y);
/* The time (ns from t = 0) where both time axes, the task stream's and
 * the memory curve's, begin for a run shown up to `now`: a live run's first
 * task's, once its start callback has laid it out (v->layout_ns), so that
 * the plots do not open on the layout's gap; 0 otherwise. The stream's
 * moves on from there once the run is longer than its span. */
uint64_t dusk__time_origin(const dusk_viewer *v, uint64_t now);
/* Tests: the times (ns from t = 0) at the left and right ends of the last
 * frame's task stream plot ([0]) and memory plot ([1]). */
extern uint64_t dusk__axis_drawn[2][2];
/* Bytes held by the scheduler and process RSS over the run up to now: two
 * lines, the current values in the strip, each peak dotted and labelled
 * on a card that no curve and no other label crosses. */
void dusk__panel_memory(dusk_viewer *v, dusk__frame *f, SDL_Rect b);
/* Tests: non-zero makes the memory curve read every point, not the
 * blocks' minima and maxima (the pixels must not differ). */
extern int dusk__memory_walk_all;
/* The memory panel's numbers as of now: series 0 is held, 1 is RSS. */
typedef struct dusk__memory_stats {
    uint64_t now[2], peak[2];
    uint64_t peak_t[2];           /* the peak's time (the log's clock) */
    size_t n[2];                  /* points up to now */
} dusk__memory_stats;
void dusk__memory_stats_of(const dusk_viewer *v, dusk__memory_stats *m);
/* "held peak 1.23 MiB" / "RSS peak 1.23 MiB" (peak 1: on a card by the
 * peak's dot) or "held now 1.23 MiB" / "RSS now 1.23 MiB" (in the strip),
 * as drawn. */
void dusk__memory_label(const dusk__memory_stats *m, int series, int peak, char *buf, size_t n);
/* Where the last frame drew series' peak label (its card); 0, or -1 when
 * it drew none. */
int dusk__memory_peak_box(const dusk_viewer *v, int series, SDL_FRect *r);
/* Samples the process's resident memory (/proc/self/statm) into v->rss at
 * most every 20 ms of now_ns (dusk_now_ns()), while a run that came
 * through the viewer's stream is followed and has not ended. */
void dusk__rss_sample(dusk_viewer *v, uint64_t now_ns);
/* A bar per task group (key_split of the key), in order of first
 * appearance in static order, split into done (released, in memory),
 * erred, running, ready and waiting shares; "name done/total" beside it.
 * At most 40 rows; the rest as "... N more". */
void dusk__panel_progress(dusk_viewer *v, dusk__frame *f, SDL_Rect b);
/* A progress row's label, "name done/total", in buf: its name shortened
 * when it is wider than room px, to whole words ("mean_agg... 4/4", the
 * words split at - _ . and space) where one fits, the count kept. The
 * labels' column is as wide as the widest whole label while the bars keep
 * 30% of the panel. */
void dusk__progress_label(const dusk__frame *f, const char *name, uint32_t done,
                          uint32_t total, float room, char *buf, size_t n);
/* Row k of the progress panel drawn in box b: the group's name, its bar's
 * rectangle and the group's tasks; 0, or -1 past the rows shown. */
int dusk__progress_row(dusk_viewer *v, const dusk__frame *f, SDL_Rect b, size_t k,
                       const char **name, SDL_Rect *bar, size_t *total);
/* The current run's tasks as Dask's ProgressBar counts them (a literal,
 * 'a': 1, is a node of the graph but no task), and in *done (when not
 * NULL) those in memory or released. */
size_t dusk__task_count(dusk_viewer *v, size_t *done);
/* "tasks done D / T · elapsed 1.23 s · 4,567 tasks/s · workers busy 2/2 ·
 * events dropped 0" (UTF-8 middle dots; D and T: dusk__task_count), then, when the run ended with an
 * error, "· task 'KEY' failed" (the last task that did), "· run stopped"
 * (canceled) or "· run failed: out of memory" (dusk_strerror: no task
 * failed). Returns the length it wanted. */
size_t dusk__status_line(dusk_viewer *v, char *buf, size_t n);
/* The status line in a strip (the dots drawn, as the atlas is ASCII). */
void dusk__panel_status(dusk_viewer *v, dusk__frame *f, SDL_Rect b);

#endif /* DUSK_GUI_DRAW_H */
