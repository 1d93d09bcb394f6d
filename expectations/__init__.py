"""warta expectations."""
