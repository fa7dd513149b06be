/* Per-locale texts: filled in by the reference skill. */
typedef int messages_placeholder;
