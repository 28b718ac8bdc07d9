#ifndef SUBFLOWD_TEST_INTRUDER_H
#define SUBFLOWD_TEST_INTRUDER_H
/* Exported only so that the library has a symbol; the constructor is what matters. */
int subflowd_test_intruder_present(void);
#endif
