// srtpdump-synth: writes captures of synthetic calls with known answers. See Docs/synth.md.
print("srtpdump-synth: not yet implemented")
