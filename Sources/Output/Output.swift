// The Output stage of the pipeline; see Docs/architecture.md.
