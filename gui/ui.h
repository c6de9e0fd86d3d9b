/*
** dusk gui — private to libdusk-gui: what the window keeps per viewer
**
** The panels' boxes and splitters, the mouse and the overlays, kept inside
** the viewer (dusk_viewer.ui) with no heap memory of their own, so that
** dusk_viewer_free has nothing to do for them. All of it belongs to the UI
** thread. render.c arranges the panels and draws them (and the overlays);
** input.c changes this state from SDL events; window.c runs the loop.
** A zeroed ui (a new viewer) is set up on first use (dusk__ui_ready).
*/
#ifndef DUSK_GUI_UI_H
#define DUSK_GUI_UI_H

#include <stdint.h>

#include "dusk/error.h"

/* The panels, in the order of the panel table (render.c) and of their
 * bits DUSK_VIEW_* (keys 1 to 5; the status strip has none). */
enum {
    DUSK__P_GRAPH, DUSK__P_CHUNKS, DUSK__P_STREAM, DUSK__P_MEMORY, DUSK__P_PROGRESS,
    DUSK__P_STATUS, DUSK__NPANELS
};
/* The splitters: between the top area's left part (the graph) and its
 * right column, between the top area and the bottom row, inside the right
 * column (chunk map above progress), inside the bottom row (task stream
 * left of memory). Each is a fraction of what it splits. */
enum { DUSK__S_RIGHT, DUSK__S_BOTTOM, DUSK__S_COLUMN, DUSK__S_ROW, DUSK__NSPLITS };

typedef struct dusk__box {
    int x, y, w, h;           /* w == 0: not shown */
} dusk__box;

/* What a mouse drag moves. */
enum { DUSK__DRAG_NONE, DUSK__DRAG_PAN, DUSK__DRAG_SCRUB, DUSK__DRAG_SPLIT /* + splitter */ };

typedef struct dusk__ui {
    int ready;                /* set up (dusk__ui_ready) */
    unsigned shown;           /* DUSK_VIEW_* the user shows */
    unsigned avail;           /* panels this build can draw (a draw function) */
    dusk__box box[DUSK__NPANELS];      /* where each panel was last drawn */
    dusk__box split_box[DUSK__NSPLITS];/* each splitter's handle (w 0: none) */
    dusk__box split_span[DUSK__NSPLITS];/* ... and what it divides */
    float split[DUSK__NSPLITS];
    int w, h;                 /* the last frame's size */

    int mouse_x, mouse_y;     /* the pointer's last position */
    int drag;                 /* DUSK__DRAG_* (+ splitter) while a button is down */
    int down_x, down_y;       /* where it went down */
    float down_pan_x, down_pan_y;
    int moved;                /* the button moved more than a click does */

    int help;                 /* the help overlay's page shown (1, 2 ...), 0: hidden */
    int help_pages;           /* its pages in the last frame that drew it (h turns them) */
    int help_first, help_count;   /* the keys that page listed, from dusk__help_lines */
    dusk__box help_box;       /* where it was drawn */
    int want_shot;            /* p: a screenshot of the next frame */
    int shots;                /* screenshots written */
    int close;                /* q, Esc: the window is to close */
    int fullscreen;           /* F11: wanted (window.c applies it) */
    int paused;               /* space: the run is to wait (control wiring) */
    double delay;             /* s/S: slow motion, s per task; 0 off */
    int steps;                /* n: steps asked for and not yet handed on */
    dusk__box scrub;          /* the time scrubber's bar as last drawn (w 0: none) */
    int playing;              /* k: the shown time moves by itself */
    double play_speed;        /* [ ]: its speed, 1 = real time (0: 1) */
    int play_back;            /* r: ... backwards */
    char tooltip[768];        /* the hovered task's, "" for none */
    int64_t tip_task;         /* ... made for this task */
    uint64_t tip_events;      /* ... at this many events applied */
    size_t tip_shown;         /* ... and this many shown */
    char message[DUSK_ERROR_MSG_MAX + 96];   /* the run's outcome, for the status strip */
    char shot_note[DUSK_ERROR_MSG_MAX];   /* the last screenshot written, or why not */
} dusk__ui;

#endif /* DUSK_GUI_UI_H */
