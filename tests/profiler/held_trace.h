/*
** dusk tests — a trace whose bytes held change between two sparse samples
**
** Shared by test_held_steps.c (the chart) and test_report_browser.c (the
** report's live chart): held_trace.
*/
#ifndef DUSK_TESTS_PROFILER_HELD_TRACE_H
#define DUSK_TESTS_PROFILER_HELD_TRACE_H

/* A 10 ms run, samples at its start (nothing held) and end (1000 B), and
 * one task at 8 ms whose 1000 B result is held to the end. The run's own
 * figure says 100 B, as the scheduler's inexact one can. */
static const char held_trace[] =
    "{\"traceEvents\":[\n"
    "{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":8000,\"dur\":500,\"pid\":1,\"tid\":0},\n"
    "{\"name\":\"a\",\"cat\":\"task.record\",\"ph\":\"i\",\"s\":\"t\",\"ts\":8500,\"pid\":1,"
    "\"tid\":0,\"args\":{\"key\":\"a\",\"function\":\"inc\",\"group\":\"a\",\"start_ns\":8000000,"
    "\"end_ns\":8500000,\"released_ns\":10000000,\"bytes\":1000,\"id\":0,\"run\":0,\"deps\":[]}},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":0,\"pid\":1,\"args\":{\"rss\":20000000,\"held\":0}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":0,\"pid\":1,\"args\":{\"percent\":0}},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":10000,\"pid\":1,\"args\":{\"rss\":20000000,"
    "\"held\":1000}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":10000,\"pid\":1,\"args\":{\"percent\":10}}\n"
    "],\"otherData\":{\"producer\":\"dusk\",\"version\":2,\"cache_metric\":\"bytes\",\"lost\":0,"
    "\"runs\":[{\"begin\":0.0,\"wall\":10000.0,\"ntasks\":1,\"workers\":1,\"status\":0,"
    "\"held_peak\":100}]}}\n";

#endif
