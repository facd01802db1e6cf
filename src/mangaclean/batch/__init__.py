"""Whole batches for the command line: ``plan`` (inputs found, every output named before any
work), ``archives`` (.cbz/.zip read with guards, rebuilt as a stream), ``workers`` (pages in
processes that neither outlive the run nor take it down), ``preview`` (before | mask | after)."""
