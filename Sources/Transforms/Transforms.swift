// The Transforms stage of the pipeline; see Docs/architecture.md.
