/* Internals the report writers share (prefix kh__). */
#ifndef KH_REPORT_INT_H
#define KH_REPORT_INT_H

/* Writes text to file as report.c writes every report: through a
 * temporary file renamed over it. Returns 0, or -1 with errno set. */
int kh__report_write_text(const char *file, const char *text);

#endif
