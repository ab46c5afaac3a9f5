// The capture synthesizer: scenarios in, captures and expected results out. See Docs/synth.md.
