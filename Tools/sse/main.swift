// Placeholder until this target gets its code.
