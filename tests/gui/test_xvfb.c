/*
** dusk tests — the window on a real X server (Xvfb): a smoke test
**
** The other gui tests draw with SDL's dummy driver. This one starts Xvfb
** (`Xvfb -displayfd`, which takes the first free display number and
** writes it back once the server is ready), runs examples/view in it
** with SDL's x11 driver, --close and --screenshot, and checks that it
** exits 0 having written a PNG of the window's size; then stops the
** server. Without Xvfb (Debian's xvfb, which scripts/install-deps.sh
** installs) the case skips, saying so.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "helpers.h"

extern char **environ;

/* The build tree this program is in: <build>/tests/gui/test_xvfb. */
static void build_dir(char *out, size_t n)
{
    assert_int_equal(build_path(out, n, ""), 0);
}

/* Starts Xvfb on a free display; its pid, and the display in *display. */
static pid_t start_xvfb(const char *xvfb, int *display)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    char fdarg[16];
    snprintf(fdarg, sizeof fdarg, "%d", fds[1]);
    char *argv[] = {(char *)xvfb, "-displayfd", fdarg, "-screen", "0", "1280x800x24",
                    "-nolisten", "tcp", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, xvfb, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    assert_int_equal(rc, 0);
    /* the display number, once the server accepts connections */
    char buf[32] = "";
    size_t got = 0;
    while (got < sizeof buf - 1) {
        ssize_t r = read(fds[0], buf + got, sizeof buf - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (memchr(buf, '\n', got))
            break;
    }
    close(fds[0]);
    buf[got] = '\0';
    if (got == 0 || sscanf(buf, "%d", display) != 1) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        fail_msg("Xvfb did not start (no display number written)");
    }
    return pid;
}

static void test_view_in_xvfb(void **state)
{
    (void)state;
    int status = 0;
    char *xvfb = run_command("command -v Xvfb", &status);
    if (!xvfb || status != 0 || !*xvfb) {
        free(xvfb);
        print_message("skipped: no Xvfb (install Debian's xvfb: scripts/install-deps.sh)\n");
        skip();
    }
    xvfb[strcspn(xvfb, "\n")] = '\0';
    char build[4096], view[4200];
    build_dir(build, sizeof build);
    snprintf(view, sizeof view, "%s/examples/view", build);
    assert_true(file_exists(view));

    int display;
    pid_t server = start_xvfb(xvfb, &display);
    free(xvfb);
    const char *shot = scratch("xvfb-view.png");
    /* The software renderer, drawing into the window's own X framebuffer
     * (SDL_FRAMEBUFFER_ACCELERATION=0) rather than through an OpenGL
     * texture: Mesa's driver would be loaded for that and unloaded at
     * exit, leaving allocations that LeakSanitizer reports and cannot name. */
    char cmd[8800];
    snprintf(cmd, sizeof cmd,
             "env -u WAYLAND_DISPLAY -u DUSK_VIEW_HEADLESS DISPLAY=:%d SDL_VIDEODRIVER=x11 "
             "SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0 '%s' --close "
             "--screenshot '%s' </dev/null 2>&1",
             display, view, shot);
    char *out = run_command(cmd, &status);
    kill(server, SIGTERM);
    int sstatus;
    waitpid(server, &sstatus, 0);
    static char text[16384];
    snprintf(text, sizeof text, "%s", out ? out : "");
    int ran = out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    free(out);
    if (!ran)
        fail_msg("view in Xvfb :%d: status %d, output:\n%s", display, status, text);
    /* it took the window, not the headless way */
    assert_contains(text, "keys: space pause/resume");
    assert_contains(text, "largest column mean 0");
    cairo_surface_t *s = cairo_image_surface_create_from_png(shot);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(s), 1280);
    assert_int_equal(cairo_image_surface_get_height(s), 800);
    /* the legend's first swatch, waiting's gray */
    const unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t px = *(const uint32_t *)(d + (size_t)14 * (size_t)cairo_image_surface_get_stride(s) +
                                      14 * 4) & 0xffffffu;
    assert_int_equal(px, 0x808080u);
    cairo_surface_destroy(s);
}

/* examples/view's usage (no display needed): a third argument, or an
 * option without its value, is bad usage (exit 2, the usage line), not a
 * dataset that silently replaces the one given. */
static void test_view_usage(void **state)
{
    (void)state;
    char build[4096], cmd[4400];
    build_dir(build, sizeof build);
    const char *bad[] = {"x.h5 /a /b", "--screenshot", "--theme", "--bogus"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd, "DUSK_VIEW_HEADLESS=1 '%s/examples/view' %s </dev/null 2>&1",
                 build, bad[i]);
        int status = 0;
        char *out = run_command(cmd, &status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 || !strstr(out, "usage: "))
            fail_msg("view %s: status %d, output:\n%s", bad[i], status, out ? out : "");
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_usage),
        cmocka_unit_test(test_view_in_xvfb),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
