// The KeyBook stage of the pipeline; see Docs/architecture.md.
