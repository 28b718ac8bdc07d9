#ifndef SUBFLOWD_CELL_SHIM_H
#define SUBFLOWD_CELL_SHIM_H
/* ELL: only the event-loop pieces subflowd uses (main loop, fd watches, timers, signals). */
#include <ell/ell.h>
/* signalfd(2): the loop reads signals such as SIGHUP as ordinary readable events. */
#include <sys/signalfd.h>
/* epoll(7) and timerfd(2): the loop's own watch set and timer clock, behind ELL's loop. */
#include <sys/epoll.h>
#include <sys/timerfd.h>
#endif
