/*
 * xwatch: timestamps top-level windows being mapped and their first frames, for the start-up
 * benchmark (benches/app/startup.mjs compiles it: cc -O2 xwatch.c -lX11 -lXdamage).
 *
 * Prints one line per event, flushed at once, times in epoch milliseconds (CLOCK_REALTIME,
 * read when the event arrives):
 *   ready
 *   map <ms> <window> <override_redirect>
 *   frame <ms> <window> <distinct colours, capped at 256> <share of pixels not in the main colour>
 *         (<ms>: when the pixels had been read back, so what they show was on screen by then)
 *
 * `frame`: the X DAMAGE extension reports every drawing into a mapped top-level window; the
 * window's pixels are then read back (XGetImage) and summarised, so a blank frame (one
 * colour) can be told from one with content. A window is no longer inspected once a frame has
 * at least MIN_COLOURS colours and MIN_SHARE of its pixels off the main colour (argv[1],
 * argv[2]; defaults 16 and 0.02), so the reads stop once the window has content.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xdamage.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WINDOWS 64
#define TABLE 4096

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int ignore_errors(Display *d, XErrorEvent *e) {
  (void)d;
  (void)e;
  return 0;
}

struct watched {
  Window window;
  Damage damage;
  int done;
};

int main(int argc, char **argv) {
  int min_colours = argc > 1 ? atoi(argv[1]) : 16;
  double min_share = argc > 2 ? atof(argv[2]) : 0.02;
  Display *d = XOpenDisplay(NULL);
  if (!d) {
    fprintf(stderr, "xwatch: cannot open display\n");
    return 1;
  }
  int damage_event, damage_error;
  if (!XDamageQueryExtension(d, &damage_event, &damage_error)) {
    fprintf(stderr, "xwatch: no DAMAGE extension\n");
    return 1;
  }
  XSetErrorHandler(ignore_errors);
  Window root = DefaultRootWindow(d);
  XSelectInput(d, root, SubstructureNotifyMask);
  XSync(d, False);
  printf("ready\n");
  fflush(stdout);

  static struct watched watched[MAX_WINDOWS];
  int count = 0;
  static unsigned long keys[TABLE];
  static unsigned int hits[TABLE];

  for (;;) {
    XEvent ev;
    XNextEvent(d, &ev);
    double t = now_ms();
    if (ev.type == MapNotify) {
      printf("map %.3f 0x%lx %d\n", t, ev.xmap.window, ev.xmap.override_redirect);
      fflush(stdout);
      if (!ev.xmap.override_redirect && count < MAX_WINDOWS) {
        watched[count].window = ev.xmap.window;
        watched[count].damage = XDamageCreate(d, ev.xmap.window, XDamageReportNonEmpty);
        watched[count].done = 0;
        count++;
      }
    } else if (ev.type == damage_event + XDamageNotify) {
      XDamageNotifyEvent *de = (XDamageNotifyEvent *)&ev;
      XDamageSubtract(d, de->damage, None, None);
      struct watched *w = NULL;
      for (int i = 0; i < count; i++)
        if (watched[i].damage == de->damage) w = &watched[i];
      if (!w || w->done) continue;
      XWindowAttributes a;
      if (!XGetWindowAttributes(d, w->window, &a) || a.map_state != IsViewable) continue;
      XImage *img = XGetImage(d, w->window, 0, 0, a.width, a.height, AllPlanes, ZPixmap);
      if (!img) continue;
      double read = now_ms();
      memset(hits, 0, sizeof hits);
      int distinct = 0;
      unsigned long samples = 0;
      for (int y = 0; y < a.height; y += 2) {
        for (int x = 0; x < a.width; x += 2) {
          unsigned long p = XGetPixel(img, x, y);
          unsigned int h = (unsigned int)((p * 2654435761u) >> 8) % TABLE;
          for (int probe = 0; probe < TABLE; probe++) {
            unsigned int slot = (h + probe) % TABLE;
            if (hits[slot] == 0) {
              keys[slot] = p;
              hits[slot] = 1;
              distinct++;
              break;
            }
            if (keys[slot] == p) {
              hits[slot]++;
              break;
            }
          }
          samples++;
          if (distinct >= TABLE - 1) goto counted;
        }
      }
    counted:;
      unsigned int top = 0;
      for (int i = 0; i < TABLE; i++)
        if (hits[i] > top) top = hits[i];
      double share = samples ? 1.0 - (double)top / (double)samples : 0.0;
      if (distinct > 256) distinct = 256;
      XDestroyImage(img);
      printf("frame %.3f 0x%lx %d %.4f\n", read, w->window, distinct, share);
      fflush(stdout);
      if (distinct >= min_colours && share >= min_share) {
        w->done = 1;
        XDamageDestroy(d, w->damage);
      }
    }
  }
}
