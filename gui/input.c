/*
** dusk gui — input: every key, click, drag and wheel of the window
**
** dusk_viewer_handle is the one place SDL events reach the viewer, whether
** the window of dusk_view_get or a program's own loop sends them (and
** tests, as no window has the keyboard's focus under the dummy driver).
** Keys are looked up in one table, dusk__keys: a key, the modifiers it
** needs, an action and the label the help overlay writes; every action,
** from a key or a panel toggle, goes through dusk__act. So the help
** overlay lists exactly what the keys do, and the run's controls (pause,
** step, slow motion, close) and the scrubber are called from one switch.
**
** The mouse, over the panels as the last frame placed them (v->ui.box):
** the wheel zooms the graph about the pointer (the point under it stays
** under it), a drag on the graph pans it by the distance dragged, a drag
** on a splitter moves it, a click (a press and release that moved at most
** CLICK_SLOP pixels) selects the task under the pointer or nothing, and
** the pointer over a task makes it the hovered one (its tooltip).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"

#define CLICK_SLOP 3      /* pixels a click may move */
#define ZOOM_STEP 1.25f   /* one wheel notch or +/- */
#define ZOOM_MIN 0.05f
#define ZOOM_MAX 400.0f
#define PAN_STEP 40.0f    /* pixels an arrow key pans */

/* The key table. Where one action has several keys they are listed
 * together, in the order the help overlay writes them. */
const dusk__key dusk__keys[] = {
    {SDLK_SPACE, DUSK__M_NONE, DUSK__A_PAUSE, 0, "space"},
    {SDLK_n, DUSK__M_NONE, DUSK__A_STEP, 0, "n"},
    {SDLK_RIGHT, DUSK__M_NONE, DUSK__A_STEP, 0, "Right (when paused)"},
    {SDLK_s, DUSK__M_NONE, DUSK__A_SLOWER, 0, "s"},
    {SDLK_s, DUSK__M_SHIFT, DUSK__A_FASTER, 0, "S"},
    {SDLK_t, DUSK__M_NONE, DUSK__A_THEME, 0, "t"},
    {SDLK_EQUALS, DUSK__M_CTRL, DUSK__A_FONT_UP, 0, "ctrl+="},
    {SDLK_PLUS, DUSK__M_CTRL, DUSK__A_FONT_UP, 0, "ctrl++"},
    {SDLK_EQUALS, DUSK__M_CTRL | DUSK__M_SHIFT, DUSK__A_FONT_UP, 0, NULL},   /* ctrl++, US */
    {SDLK_MINUS, DUSK__M_CTRL, DUSK__A_FONT_DOWN, 0, "ctrl+-"},
    {SDLK_F11, DUSK__M_ANY, DUSK__A_FULLSCREEN, 0, "F11"},
    {SDLK_p, DUSK__M_NONE, DUSK__A_SHOT, 0, "p"},
    {SDLK_h, DUSK__M_NONE, DUSK__A_HELP, 0, "h"},
    {SDLK_QUESTION, DUSK__M_ANY, DUSK__A_HELP, 0, "?"},
    {SDLK_SLASH, DUSK__M_SHIFT, DUSK__A_HELP, 0, NULL},   /* '?' on most layouts */
    {SDLK_q, DUSK__M_NONE, DUSK__A_CLOSE, 0, "q"},
    {SDLK_ESCAPE, DUSK__M_ANY, DUSK__A_CLOSE, 0, "Esc"},
    {SDLK_PLUS, DUSK__M_ANY, DUSK__A_ZOOM_IN, 0, "+"},
    {SDLK_EQUALS, DUSK__M_SHIFT, DUSK__A_ZOOM_IN, 0, NULL},   /* '+' on a US layout */
    {SDLK_KP_PLUS, DUSK__M_ANY, DUSK__A_ZOOM_IN, 0, NULL},
    {SDLK_MINUS, DUSK__M_NONE, DUSK__A_ZOOM_OUT, 0, "-"},
    {SDLK_KP_MINUS, DUSK__M_ANY, DUSK__A_ZOOM_OUT, 0, NULL},
    {SDLK_f, DUSK__M_NONE, DUSK__A_FIT, 0, "f"},
    {SDLK_0, DUSK__M_NONE, DUSK__A_FIT, 0, "0"},
    {SDLK_LEFT, DUSK__M_NONE, DUSK__A_PAN_LEFT, 0, "Left"},
    {SDLK_RIGHT, DUSK__M_NONE, DUSK__A_PAN_RIGHT, 0, "Right (running)"},
    {SDLK_UP, DUSK__M_NONE, DUSK__A_PAN_UP, 0, "Up"},
    {SDLK_DOWN, DUSK__M_NONE, DUSK__A_PAN_DOWN, 0, "Down"},
    {SDLK_1, DUSK__M_NONE, DUSK__A_PANEL, DUSK__P_GRAPH, "1"},
    {SDLK_2, DUSK__M_NONE, DUSK__A_PANEL, DUSK__P_CHUNKS, "2"},
    {SDLK_3, DUSK__M_NONE, DUSK__A_PANEL, DUSK__P_STREAM, "3"},
    {SDLK_4, DUSK__M_NONE, DUSK__A_PANEL, DUSK__P_MEMORY, "4"},
    {SDLK_5, DUSK__M_NONE, DUSK__A_PANEL, DUSK__P_PROGRESS, "5"},
    {SDLK_HOME, DUSK__M_NONE, DUSK__A_SCRUB_START, 0, "Home"},
    {SDLK_END, DUSK__M_NONE, DUSK__A_SCRUB_END, 0, "End"},
    {SDLK_COMMA, DUSK__M_NONE, DUSK__A_SCRUB_BACK, 0, ","},
    {SDLK_PERIOD, DUSK__M_NONE, DUSK__A_SCRUB_FORWARD, 0, "."},
    {SDLK_k, DUSK__M_NONE, DUSK__A_PLAY, 0, "k"},
    {SDLK_LEFTBRACKET, DUSK__M_NONE, DUSK__A_PLAY_SLOWER, 0, "["},
    {SDLK_RIGHTBRACKET, DUSK__M_NONE, DUSK__A_PLAY_FASTER, 0, "]"},
    {SDLK_r, DUSK__M_NONE, DUSK__A_PLAY_REVERSE, 0, "r"},
};
const size_t dusk__nkeys = sizeof dusk__keys / sizeof dusk__keys[0];

static const char *const action_what[DUSK__NACTIONS] = {
    [DUSK__A_PAUSE] = "pause / resume the run",
    [DUSK__A_STEP] = "run one more task (paused)",
    [DUSK__A_SLOWER] = "slower: at least 0.05 .. 2 s per task",
    [DUSK__A_FASTER] = "faster, then full speed",
    [DUSK__A_THEME] = "theme: light, dark, high contrast (, yours)",
    [DUSK__A_FONT_UP] = "larger text",
    [DUSK__A_FONT_DOWN] = "smaller text",
    [DUSK__A_FULLSCREEN] = "fullscreen",
    [DUSK__A_SHOT] = "screenshot (dusk-screenshot-N.png)",
    [DUSK__A_HELP] = "this help",
    [DUSK__A_CLOSE] = "close the window (stops a run)",
    [DUSK__A_ZOOM_IN] = "zoom in",
    [DUSK__A_ZOOM_OUT] = "zoom out",
    [DUSK__A_FIT] = "fit the graph to its panel",
    [DUSK__A_PAN_LEFT] = "pan left",
    [DUSK__A_PAN_RIGHT] = "pan right",
    [DUSK__A_PAN_UP] = "pan up",
    [DUSK__A_PAN_DOWN] = "pan down",
    [DUSK__A_PANEL] = "show / hide the",
    [DUSK__A_SCRUB_START] = "to the run's start",
    [DUSK__A_SCRUB_END] = "to the run's end (follow it live)",
    [DUSK__A_SCRUB_BACK] = "back a step",
    [DUSK__A_SCRUB_FORWARD] = "forward a step",
    [DUSK__A_PLAY] = "play / stop the replay",
    [DUSK__A_PLAY_SLOWER] = "replay at half the speed",
    [DUSK__A_PLAY_FASTER] = "replay at twice the speed",
    [DUSK__A_PLAY_REVERSE] = "replay backwards / forwards",
};

static const char *const mouse_help[][2] = {
    {"wheel", "zoom about the pointer"},
    {"drag", "pan the graph; on a splitter: resize"},
    {"click", "select a task: it, its inputs and users outlined"},
    {"drag the time bar", "scrub through the run (right end: live)"},
    {"hover", "a task's key, function, state, worker, time, bytes"},
};

size_t dusk__help_lines(char (*lines)[96], size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < dusk__nkeys && n < max; i++) {
        const dusk__key *k = &dusk__keys[i];
        if (!k->label)
            continue;
        /* one line per action (and panel): the first of its keys starts it */
        int first = 1;
        for (size_t j = 0; j < i; j++)
            if (dusk__keys[j].action == k->action && dusk__keys[j].arg == k->arg &&
                dusk__keys[j].label)
                first = 0;
        if (!first)
            continue;
        char keys[64] = "";
        size_t kl = 0;
        for (size_t j = i; j < dusk__nkeys; j++)
            if (dusk__keys[j].action == k->action && dusk__keys[j].arg == k->arg &&
                dusk__keys[j].label && kl < sizeof keys)
                kl += (size_t)snprintf(keys + kl, sizeof keys - kl, "%s%s", kl ? ", " : "",
                                       dusk__keys[j].label);
        if (k->action == DUSK__A_PANEL)
            snprintf(lines[n++], 96, "%s\t%s %s", keys, action_what[k->action],
                     dusk__panels[k->arg].name);
        else
            snprintf(lines[n++], 96, "%s\t%s", keys, action_what[k->action]);
    }
    for (size_t i = 0; i < sizeof mouse_help / sizeof mouse_help[0] && n < max; i++)
        snprintf(lines[n++], 96, "%s\t%s", mouse_help[i][0], mouse_help[i][1]);
    return n;
}

double dusk__delay_next(double d, int slower)
{
    static const double steps[] = {0.05, 0.1, 0.25, 0.5, 1.0, 2.0};
    const int n = (int)(sizeof steps / sizeof steps[0]);
    int at = -1;   /* the step d is at (off: -1) */
    for (int i = 0; i < n; i++)
        if (d >= steps[i] - 1e-9)
            at = i;
    if (slower)   /* past the last step (a delay set in the options): kept */
        return d > steps[n - 1] ? d : steps[at + 1 < n ? at + 1 : n - 1];
    /* faster: the step below d; from between two steps (a delay set in
     * the options, 0.07 s) the lower one, not two steps down */
    if (at >= 0 && d > steps[at] + 1e-9)
        return steps[at];
    return at <= 0 ? 0.0 : steps[at - 1];
}

/* Zooms the graph by factor about pixel (x, y): the layout point under it
 * stays under it. */
static void zoom_at(dusk_viewer *v, float factor, int x, int y)
{
    SDL_Rect b = dusk__panel_box(v, DUSK__P_GRAPH);
    if (!b.w)
        return;
    float z = v->zoom * factor;
    if (z < ZOOM_MIN)
        z = ZOOM_MIN;
    if (z > ZOOM_MAX)
        z = ZOOM_MAX;
    dusk__fit t;
    dusk__view_fit(v, b.w, b.h, &t);
    float ux = ((float)(x - b.x) - t.ox) / t.sx, uy = ((float)(y - b.y) - t.oy) / t.sy;
    v->zoom = z;
    dusk__view_fit(v, b.w, b.h, &t);
    v->pan_x += (float)(x - b.x) - (t.ox + ux * t.sx);
    v->pan_y += (float)(y - b.y) - (t.oy + uy * t.sy);
}

/* Pans the graph so that task t's node is at the middle of its panel: a
 * task picked in another panel (a bar of the task stream, a block of the
 * chunk map) is found in the graph. */
static void centre_on(dusk_viewer *v, int64_t t)
{
    SDL_Rect b = dusk__panel_box(v, DUSK__P_GRAPH);
    dusk_view_rect r;
    if (!b.w || dusk_viewer_node(v, t, &r) != 0)
        return;
    dusk__fit fit;
    dusk__view_fit(v, b.w, b.h, &fit);
    v->pan_x += (float)b.w / 2 - (fit.ox + (r.x + r.w / 2) * fit.sx);
    v->pan_y += (float)b.h / 2 - (fit.oy + (r.y + r.h / 2) * fit.sy);
}

static int run_paused(const dusk_viewer *v)
{
    return dusk_viewer_paused(v);
}

void dusk__act(dusk_viewer *v, int action, int arg)
{
    dusk__ui *ui = &v->ui;
    dusk__ui_ready(v);
    SDL_Rect g = dusk__panel_box(v, DUSK__P_GRAPH);
    switch (action) {
    /* the run's controls (control.c): they hold the real run; ui keeps
     * what was asked for too */
    case DUSK__A_PAUSE:
        ui->paused = !dusk_viewer_paused(v);
        dusk_viewer_pause(v, ui->paused);
        break;
    case DUSK__A_STEP:
        if (run_paused(v)) {
            ui->steps++;
            dusk_viewer_step(v);
        }
        break;
    case DUSK__A_SLOWER:
    case DUSK__A_FASTER:
        ui->delay = dusk__delay_next(ui->delay, action == DUSK__A_SLOWER);
        dusk_viewer_set_delay(v, ui->delay);
        break;
    case DUSK__A_CLOSE:
        ui->close = 1;   /* the window's loop closes the viewer, stopping a run */
        break;
    /* the scrubber (model.c): a step is a 50th of the run */
    case DUSK__A_SCRUB_START:
        dusk_viewer_seek(v, 0);
        break;
    case DUSK__A_SCRUB_END:
        dusk_viewer_follow(v);
        break;
    case DUSK__A_SCRUB_BACK:
    case DUSK__A_SCRUB_FORWARD: {
        uint64_t now = dusk_viewer_time(v), d = dusk_viewer_duration(v);
        uint64_t step = d / 50 ? d / 50 : 1;
        if (action == DUSK__A_SCRUB_BACK)
            dusk_viewer_seek(v, now > step ? now - step : 0);
        else if (now + step >= d)
            dusk_viewer_follow(v);
        else
            dusk_viewer_seek(v, now + step);
        break;
    }
    /* playback: the model moves the shown time each frame (window.c) */
    case DUSK__A_PLAY:
    case DUSK__A_PLAY_SLOWER:
    case DUSK__A_PLAY_FASTER:
    case DUSK__A_PLAY_REVERSE: {
        double sp = ui->play_speed > 0 ? ui->play_speed : 1.0;
        if (action == DUSK__A_PLAY) {
            ui->playing = !ui->playing;
            /* played from the end, a replay starts again from the start;
             * backwards from the start, again from the end */
            if (ui->playing && !ui->play_back && dusk_viewer_time(v) >= dusk_viewer_duration(v))
                dusk_viewer_seek(v, 0);
            else if (ui->playing && ui->play_back && dusk_viewer_time(v) == 0)
                dusk_viewer_follow(v);
        } else if (action == DUSK__A_PLAY_SLOWER) {
            sp = sp / 2 < 1.0 / 64 ? 1.0 / 64 : sp / 2;
        } else if (action == DUSK__A_PLAY_FASTER) {
            sp = sp * 2 > 1024 ? 1024 : sp * 2;
        } else {
            ui->play_back = !ui->play_back;
        }
        ui->play_speed = sp;
        dusk_viewer_set_speed(v, ui->playing ? (ui->play_back ? -sp : sp) : 0.0);
        break;
    }
    /* the view */
    case DUSK__A_THEME:
        /* the built-in themes, then the user's own if the window has one */
        v->theme = (v->theme + 1) % (DUSK__NTHEMES + (v->user_theme != NULL));
        break;
    case DUSK__A_FONT_UP:
        v->font_scale = v->font_scale * 1.25f > DUSK__FONT_SCALE_MAX ? DUSK__FONT_SCALE_MAX
                                                                      : v->font_scale * 1.25f;
        break;
    case DUSK__A_FONT_DOWN:
        v->font_scale = v->font_scale / 1.25f < DUSK__FONT_SCALE_MIN ? DUSK__FONT_SCALE_MIN
                                                                      : v->font_scale / 1.25f;
        break;
    case DUSK__A_FULLSCREEN:
        ui->fullscreen = !ui->fullscreen;
        break;
    case DUSK__A_SHOT:
        ui->want_shot = 1;
        break;
    case DUSK__A_HELP:
        /* shown, then its next page if the last frame had to split it */
        ui->help = ui->help == 0 ? 1 : ui->help < ui->help_pages ? ui->help + 1 : 0;
        break;
    case DUSK__A_ZOOM_IN:
    case DUSK__A_ZOOM_OUT:
        zoom_at(v, action == DUSK__A_ZOOM_IN ? ZOOM_STEP : 1.0f / ZOOM_STEP, g.x + g.w / 2,
                g.y + g.h / 2);
        break;
    case DUSK__A_FIT:
        v->zoom = 1.0f;
        v->pan_x = v->pan_y = 0;
        break;
    case DUSK__A_PAN_LEFT:
        v->pan_x += PAN_STEP;
        break;
    case DUSK__A_PAN_RIGHT:
        v->pan_x -= PAN_STEP;
        break;
    case DUSK__A_PAN_UP:
        v->pan_y += PAN_STEP;
        break;
    case DUSK__A_PAN_DOWN:
        v->pan_y -= PAN_STEP;
        break;
    case DUSK__A_PANEL:
        if (arg >= 0 && arg < DUSK__NPANELS)
            ui->shown ^= dusk__panels[arg].bit;
        break;
    default:
        break;
    }
}

void dusk__play(dusk_viewer *v, uint64_t wall_dt_ns)
{
    dusk_viewer_advance(v, wall_dt_ns);
    if (!v->ui.playing)
        return;
    /* played to the end of a run that has ended (backwards: to its start),
     * a playback stops, as a player's does: the window draws no more
     * frames for it, and k plays it again */
    uint64_t now = dusk_viewer_time(v);
    if (v->ui.play_back ? now == 0 : v->run_over && now >= dusk_viewer_duration(v)) {
        v->ui.playing = 0;
        dusk_viewer_set_speed(v, 0.0);
    }
}

static unsigned mods_of(Uint16 mod)
{
    return (mod & KMOD_CTRL ? DUSK__M_CTRL : 0) | (mod & KMOD_SHIFT ? DUSK__M_SHIFT : 0);
}

static int on_key(dusk_viewer *v, const SDL_KeyboardEvent *k)
{
    unsigned mods = mods_of(k->keysym.mod);
    for (size_t i = 0; i < dusk__nkeys; i++) {
        const dusk__key *b = &dusk__keys[i];
        if (b->sym != k->keysym.sym || !(b->mods == DUSK__M_ANY || b->mods == mods))
            continue;
        /* Right steps a paused run and pans otherwise */
        if (b->action == DUSK__A_STEP && b->sym == SDLK_RIGHT && !run_paused(v))
            continue;
        dusk__act(v, b->action, b->arg);
        return 1;
    }
    return 0;
}

static int in_box(const dusk__box *b, int x, int y)
{
    return b->w && x >= b->x && y >= b->y && x < b->x + b->w && y < b->y + b->h;
}

/* The task under (x, y) in whichever panel is there, or -1. */
static int64_t task_at(const dusk_viewer *v, int x, int y)
{
    for (int k = 0; k < DUSK__NPANELS; k++)
        if (dusk__panels[k].hit && in_box(&v->ui.box[k], x, y))
            return dusk__panels[k].hit(v, dusk__panel_box(v, k), x, y);
    return -1;
}

static void drag_split(dusk_viewer *v, int k, int x, int y)
{
    const dusk__box *s = &v->ui.split_span[k];
    if (!s->w || !s->h)
        return;
    float f = (k == DUSK__S_RIGHT || k == DUSK__S_ROW) ? (float)(x - s->x) / (float)s->w
                                                        : (float)(y - s->y) / (float)s->h;
    v->ui.split[k] = f < 0.15f ? 0.15f : f > 0.85f ? 0.85f : f;
}

void dusk__scrub_to(dusk_viewer *v, double frac)
{
    if (frac >= 1.0) {
        dusk_viewer_follow(v);
        return;
    }
    double d = (double)dusk_viewer_duration(v);
    dusk_viewer_seek(v, frac <= 0 ? 0 : (uint64_t)(frac * d));
}

static void scrub_at(dusk_viewer *v, int x)
{
    const dusk__box *s = &v->ui.scrub;
    if (s->w > 1)
        dusk__scrub_to(v, (double)(x - s->x) / (double)(s->w - 1));
}

static int on_button(dusk_viewer *v, const SDL_MouseButtonEvent *b)
{
    dusk__ui *ui = &v->ui;
    if (b->button != SDL_BUTTON_LEFT)
        return 0;
    ui->mouse_x = b->x;
    ui->mouse_y = b->y;
    if (b->type == SDL_MOUSEBUTTONDOWN) {
        ui->down_x = b->x;
        ui->down_y = b->y;
        ui->down_pan_x = v->pan_x;
        ui->down_pan_y = v->pan_y;
        ui->moved = 0;
        ui->drag = DUSK__DRAG_NONE;
        for (int k = 0; k < DUSK__NSPLITS; k++)
            if (in_box(&ui->split_box[k], b->x, b->y)) {
                ui->drag = DUSK__DRAG_SPLIT + k;
                return 1;
            }
        if (in_box(&ui->scrub, b->x, b->y)) {
            ui->drag = DUSK__DRAG_SCRUB;
            scrub_at(v, b->x);
            return 1;
        }
        if (in_box(&ui->box[DUSK__P_GRAPH], b->x, b->y))
            ui->drag = DUSK__DRAG_PAN;
        return 1;
    }
    int was = ui->drag;
    ui->drag = DUSK__DRAG_NONE;
    if (was >= DUSK__DRAG_SPLIT) {
        drag_split(v, was - DUSK__DRAG_SPLIT, b->x, b->y);
        return 1;
    }
    if (was == DUSK__DRAG_SCRUB) {
        scrub_at(v, b->x);
        return 1;
    }
    if (!ui->moved && abs(b->x - ui->down_x) <= CLICK_SLOP && abs(b->y - ui->down_y) <= CLICK_SLOP) {
        v->selected = task_at(v, b->x, b->y);
        /* picked elsewhere in a zoomed graph: brought into its view */
        if (v->selected >= 0 && v->zoom > 1.0f && !in_box(&ui->box[DUSK__P_GRAPH], b->x, b->y))
            centre_on(v, v->selected);
    }
    return 1;
}

static int on_motion(dusk_viewer *v, const SDL_MouseMotionEvent *m)
{
    dusk__ui *ui = &v->ui;
    ui->mouse_x = m->x;
    ui->mouse_y = m->y;
    if (ui->drag >= DUSK__DRAG_SPLIT) {
        drag_split(v, ui->drag - DUSK__DRAG_SPLIT, m->x, m->y);
        return 1;
    }
    if (ui->drag == DUSK__DRAG_SCRUB) {
        scrub_at(v, m->x);
        return 1;
    }
    if (ui->drag == DUSK__DRAG_PAN) {
        if (abs(m->x - ui->down_x) > CLICK_SLOP || abs(m->y - ui->down_y) > CLICK_SLOP)
            ui->moved = 1;
        if (ui->moved) {
            v->pan_x = ui->down_pan_x + (float)(m->x - ui->down_x);
            v->pan_y = ui->down_pan_y + (float)(m->y - ui->down_y);
        }
        return 1;
    }
    v->hover = task_at(v, m->x, m->y);
    return 1;
}

static int on_wheel(dusk_viewer *v, const SDL_MouseWheelEvent *w)
{
    int x = v->ui.mouse_x, y = v->ui.mouse_y;
#if SDL_VERSION_ATLEAST(2, 26, 0)
    x = w->mouseX;
    y = w->mouseY;
#endif
    float notches = w->preciseY != 0 ? w->preciseY : (float)w->y;
    if (w->direction == SDL_MOUSEWHEEL_FLIPPED)
        notches = -notches;
    if (notches == 0 || !in_box(&v->ui.box[DUSK__P_GRAPH], x, y))
        return 0;
    zoom_at(v, powf(ZOOM_STEP, notches), x, y);
    return 1;
}

int dusk_viewer_handle(dusk_viewer *v, const union SDL_Event *e)
{
    if (!v || !e)
        return 0;
    dusk__ui_ready(v);
    switch (e->type) {
    case SDL_KEYDOWN:
        return on_key(v, &e->key);
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        return on_button(v, &e->button);
    case SDL_MOUSEMOTION:
        return on_motion(v, &e->motion);
    case SDL_MOUSEWHEEL:
        return on_wheel(v, &e->wheel);
    case SDL_QUIT:
        dusk__act(v, DUSK__A_CLOSE, 0);
        return 1;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_CLOSE) {
            dusk__act(v, DUSK__A_CLOSE, 0);
            return 1;
        }
        if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
            v->hover = -1;
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}
