/// How `dissect` prints: one line per frame (optionally with the layer tree), or one JSON object per frame.
public enum DissectionFormat: String, Sendable, CaseIterable {
    case text
    case json
}
