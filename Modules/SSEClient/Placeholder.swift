// Placeholder until this target gets its code; delete when adding the first real file.
