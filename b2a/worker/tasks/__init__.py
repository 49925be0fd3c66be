"""SAQ task functions, one module per domain; each calls one service function."""
