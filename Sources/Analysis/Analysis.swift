// The Analysis stage of the pipeline; see Docs/architecture.md.
