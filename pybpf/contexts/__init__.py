"""Program contexts: what a program's r1 points at, per program type."""
