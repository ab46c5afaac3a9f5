import Capture
import Datagrams

/// Where a SIP message was seen: the frame that completed it (0 for messages read from a side file,
/// which count as coming before the first frame), its time, and the transport endpoints.
public struct SIPMessageContext: Hashable, Sendable {
    public var frame: Int
    public var time: Timestamp?
    public var source: Endpoint?
    public var destination: Endpoint?

    public init(frame: Int, time: Timestamp?, source: Endpoint? = nil, destination: Endpoint? = nil) {
        self.frame = frame
        self.time = time
        self.source = source
        self.destination = destination
    }
}

/// The two ends of a dialog: the caller sent the initial INVITE (its tag is the From-tag), the callee answered.
public enum DialogParty: String, Hashable, Sendable {
    case caller, callee

    public var peer: DialogParty { self == .caller ? .callee : .caller }
}

/// One session description as it travelled in a dialog.
public struct SDPRecord: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable { case offer, answer }
    public var role: Role
    /// Who wrote it; an SDP's author protects the media it sends with the keys in it (RFC 4568 §6.1).
    public var author: DialogParty
    public var context: SIPMessageContext
    /// `INVITE`, `200 OK`, `ACK`, … — what carried it.
    public var carrier: String
    public var description: SessionDescription
    public var media: [MediaLine]
}

/// One RFC 3264 offer/answer exchange. It is complete with its answer; what it negotiated applies from
/// the frame that carried the answer (`completedFrame`) on.
public struct OfferAnswerExchange: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// The initial INVITE's exchange (offer in the INVITE, answer in a 18x or 2xx).
        case initial
        /// Delayed offer: the offer in the 2xx (or reliable 18x), the answer in the ACK (or PRACK).
        case delayed
        /// A re-INVITE in an established dialog (RFC 3261 §14).
        case reinvite
        /// UPDATE (RFC 3311).
        case update
    }
    public var kind: Kind
    /// CSeq number and method of the transaction that carried the offer (an ACK belongs to its INVITE),
    /// and who sent its request: CSeq numbers are per sender (RFC 3261 §12.2.1.1), so the callee's
    /// UPDATE 1 is not the caller's INVITE 1.
    public var cseq: UInt32
    public var method: String
    public var requester: DialogParty
    public var offer: SDPRecord
    public var answer: SDPRecord?
    /// The frame of the failure response (or the newer offer) that rejected the offer; a rejected
    /// offer never takes effect (RFC 3261 §14.1: a failed re-INVITE leaves the session unchanged).
    public var rejectedFrame: Int?

    /// The frame from which the exchange's addresses and keys are in effect.
    public var completedFrame: Int? { answer?.context.frame }
}

/// A failure, cancellation or error response seen in a dialog.
public struct DialogFailure: Hashable, Sendable {
    public var context: SIPMessageContext
    public var method: String
    public var statusCode: Int?
    public var reason: String
    /// `Warning` and `Reason` header values, as given (RFC 3261 §20.43, RFC 3326).
    public var warnings: [String]
    /// 488 with "Encryption Levels Incompatible" (MS-SDP §3.1.5.4.1): the two ends' encryption
    /// policies (`a=encryption`) could not be reconciled.
    public var encryptionLevelsIncompatible: Bool
}

/// A SIP dialog (RFC 3261 §12): Call-ID with the two tags, and everything negotiated in it.
///
/// A forked INVITE gives one dialog per To-tag (RFC 3261 §13.2.2.4), each with the INVITE's offer and
/// its own answer. A call that never got a tagged response stays one dialog with no To-tag.
public struct Dialog: Hashable, Sendable {
    public enum State: String, Hashable, Sendable {
        /// INVITE sent; no response with a To-tag yet.
        case calling
        /// A provisional response with a To-tag (RFC 3261 §12.1: early dialog).
        case early
        /// 2xx received.
        case confirmed
        /// Ended by BYE.
        case terminated
        /// Ended by CANCEL (RFC 3261 §9).
        case cancelled
        /// The INVITE failed with a final response ≥ 300.
        case failed
    }

    public var callID: String
    /// The dialog's number in creation order among all the tracker made (0, 1, …): stable when older
    /// dialogs are evicted (`DialogTracker.maxCalls`), unlike the position in `DialogTracker.dialogs`.
    public var serial = 0
    /// From and To of the first message seen (the To-tag filled in from the responses).
    public var from: SIPNameAddress?
    public var to: SIPNameAddress?
    public var fromTag: String?
    public var toTag: String?
    public var state: State
    public var firstFrame: Int
    public var lastFrame: Int
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    /// SIP endpoints of the caller and the callee (from the transport of their messages).
    public var callerSignalling: Endpoint?
    public var calleeSignalling: Endpoint?
    public var exchanges: [OfferAnswerExchange] = []
    public var failures: [DialogFailure] = []
    /// The frame of the BYE or CANCEL that ended the dialog.
    public var endFrame: Int?
    /// Security-Client/Server/Verify mechanisms seen in the dialog, first occurrence of each.
    public var securityMechanisms: [SIPSecurityMechanism] = []
    /// Require or Proxy-Require `mediasec` seen.
    public var requiresMediasec = false
    /// Problems in the dialog's SDP bodies and in offer/answer order, with frame numbers.
    public var diagnostics: [Diagnostic] = []

    /// The completed exchanges, in order; the last one is in effect at the end.
    public var completedExchanges: [OfferAnswerExchange] { exchanges.filter { $0.answer != nil } }
}
