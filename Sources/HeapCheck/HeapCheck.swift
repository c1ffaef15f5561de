// The HeapCheck module: see issue 3.
