// The Fidelity module: see issue 9.
