// The Signalling stage of the pipeline; see Docs/architecture.md.
