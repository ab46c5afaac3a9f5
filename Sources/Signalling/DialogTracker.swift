import Capture
import Datagrams

/// Follows SIP dialogs and their RFC 3264 offer/answer exchanges, message by message.
///
/// Feed every SIP message in capture order (`process`); read `dialogs` at any time. Offers and answers
/// are told apart by state, not by method, so that every place RFC 3261/3262/3311 allows them works:
/// offer in the INVITE and answer in a 18x/2xx; delayed offer in the 2xx (or reliable 18x) with the
/// answer in the ACK (or PRACK); re-INVITE and UPDATE in a confirmed or early dialog.
///
/// It owns long-lived state across the whole capture, hence a class. Bounded: at most
/// `maxCalls` Call-IDs, `maxDialogsPerCall` To-tags per call and `maxExchanges` exchanges per dialog.
/// When a new Call-ID comes with `maxCalls` calls followed, the eighth of them idle longest (by the frame
/// of their last message) is evicted with a diagnostic: their dialogs leave `dialogs` (kept in `evicted`
/// when `retainsEvicted`, for reports that list every call), and a later message of an evicted call
/// starts it afresh. Evicting an eighth at a time keeps the cost of compacting the lists to a constant
/// per call.
public final class DialogTracker {
    /// Set with `--limit dialogs=N` (SignallingLimits).
    public static var maxCalls: Int { SignallingLimits.maxCalls }
    public static let maxDialogsPerCall = 64
    public static let maxExchanges = 512
    /// Diagnostics, failures and security mechanisms kept per dialog; INVITE offers kept per call.
    public static let maxPerDialog = 256

    private struct Call {
        var callID: String
        /// The caller's tag: the From-tag of the first request seen (the initial INVITE, normally).
        var callerTag: String?
        /// Indices into `dialogs` of this call's dialogs.
        var dialogIndices: [Int] = []
        /// Offers of INVITE/UPDATE transactions by CSeq number, for dialogs a fork creates later
        /// (each To-tag gets the INVITE's offer, RFC 3261 §13.2.2.4).
        var offers: [UInt32: OfferAnswerExchange] = [:]
        /// The frame of the call's latest message: what eviction ranks by.
        var lastFrame = 0
    }

    private var calls: [String: Int] = [:]
    private var callList: [Call] = []
    /// The dialogs followed now, in creation order.
    public private(set) var dialogs: [Dialog] = []
    /// Dialogs of evicted calls, in creation order within each eviction, when `retainsEvicted`.
    public private(set) var evicted: [Dialog] = []
    /// Keep evicted dialogs for the report (`calls`, `keys`); the decrypt pass sets false, so that its
    /// memory stays bounded whatever the number of calls (their keys are in its key book already).
    public var retainsEvicted = true
    /// Calls followed at once: `maxCalls` (the process-wide limit) unless set for this tracker.
    public var callLimit = DialogTracker.maxCalls
    /// Calls evicted so far, and the evictions (batches) that did it.
    public private(set) var evictedCalls = 0
    private var evictions = 0
    private var nextSerial = 0

    public init() {}

    /// Every dialog seen, evicted (when retained) or followed, in creation order.
    public var allDialogs: [Dialog] {
        evicted.isEmpty ? dialogs : (evicted + dialogs).sorted { $0.serial < $1.serial }
    }

    /// The dialogs followed now of one call, in creation order.
    public func dialogs(ofCall callID: String) -> [Dialog] {
        guard let c = calls[callID] else { return [] }
        return callList[c].dialogIndices.map { dialogs[$0] }
    }

    /// Processes one message; returns its problems (SDP, missing headers, offer/answer order),
    /// attributed to the context's frame. The same problems are kept in the dialog's `diagnostics`.
    @discardableResult
    public func process(_ message: SIPMessage, context: SIPMessageContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func note(_ severity: Diagnostic.Severity, _ code: String, _ field: String, _ text: String) {
            out.append(Diagnostic(severity, code: code, frame: context.frame, field: field, text))
        }
        guard let callID = message.callID, !callID.isEmpty else {
            note(
                .warning, SignallingCode.sipMissingHeader, "SIP Call-ID",
                "message without Call-ID ignored by dialog tracking")
            return out
        }
        guard let cseq = message.cseq else {
            note(
                .warning, SignallingCode.sipCSeq, "SIP CSeq",
                "message without a readable CSeq ignored by dialog tracking")
            return out
        }
        let fromTag = message.from?.tag
        let toTag = message.to?.tag

        // The call.
        let callIndex: Int
        if let i = calls[callID] {
            callIndex = i
        } else {
            if callList.count >= max(1, callLimit), let d = evictIdleCalls(frame: context.frame) {
                out.append(d)
            }
            callIndex = callList.count
            calls[callID] = callIndex
            callList.append(Call(callID: callID, callerTag: fromTag))
        }
        if callList[callIndex].callerTag == nil { callList[callIndex].callerTag = fromTag }
        callList[callIndex].lastFrame = max(callList[callIndex].lastFrame, context.frame)
        let callerTag = callList[callIndex].callerTag

        // Who sent it: a request comes from the party whose tag is in From, a response from the one in To.
        let fromIsCaller = fromTag == nil || fromTag == callerTag
        let author: DialogParty = message.isRequest == fromIsCaller ? .caller : .callee
        let calleeTag = fromIsCaller ? toTag : fromTag

        // The dialogs it belongs to.
        let targets = dialogIndices(callIndex: callIndex, calleeTag: calleeTag, message: message, context: context)
        guard !targets.isEmpty else {
            note(
                .warning, SignallingCode.limit, "SIP To",
                "more than \(Self.maxDialogsPerCall) dialogs in call \(callID); message not tracked")
            return out
        }

        // Bodies.
        var records: [SDPRecord] = []
        if !message.body.isEmpty {
            let (found, diagnostics) = SIPBody.sessionDescriptions(of: message)
            out += diagnostics.map { $0.inFrame(context.frame) }
            if let first = found.first {
                records.append(
                    SDPRecord(
                        role: .offer, author: author, context: context, carrier: carrier(of: message),
                        description: first.sdp, media: MediaLine.lines(of: first.sdp)))
                if found.count > 1 {
                    note(
                        .note, SignallingCode.sipMultipart, "SIP body",
                        "\(found.count) SDP parts; the first is used for offer/answer")
                }
            }
        }

        for d in targets {
            update(
                dialog: d, callIndex: callIndex, message: message, cseq: cseq, author: author, context: context,
                sdp: records.first, calleeTag: calleeTag, diagnostics: &out)
        }
        for d in targets where dialogs[d].diagnostics.count < Self.maxPerDialog {
            dialogs[d].diagnostics += out.prefix(Self.maxPerDialog - dialogs[d].diagnostics.count)
        }
        return out
    }

    private func carrier(of message: SIPMessage) -> String {
        switch message.startLine {
        case .request(let method, _, _): return method.asciiUppercased
        case .response(_, let code, let reason): return "\(code) \(reason)"
        }
    }

    /// The dialog indices a message applies to, creating a dialog for a new To-tag (forking).
    private func dialogIndices(callIndex: Int, calleeTag: String?, message: SIPMessage, context: SIPMessageContext)
        -> [Int]
    {
        let call = callList[callIndex]
        if let tag = calleeTag {
            if let i = call.dialogIndices.first(where: { dialogs[$0].toTag == tag }) { return [i] }
            // The tagless dialog of the INVITE becomes the first To-tag's dialog.
            if let i = call.dialogIndices.first(where: { dialogs[$0].toTag == nil }) {
                dialogs[i].toTag = tag
                if dialogs[i].to?.tag == nil, let to = message.to, to.tag == tag { dialogs[i].to = to }
                return [i]
            }
            guard call.dialogIndices.count < Self.maxDialogsPerCall else { return [] }
            // A fork: a new dialog sharing the call's first message, with the offers made so far.
            var d = newDialog(callID: call.callID, message: message, context: context)
            if let base = call.dialogIndices.first.map({ dialogs[$0] }) {
                d.from = base.from
                d.to = base.to
                d.fromTag = base.fromTag
                d.firstFrame = base.firstFrame
                d.firstTime = base.firstTime
                d.callerSignalling = base.callerSignalling
                d.securityMechanisms = base.securityMechanisms
                d.requiresMediasec = base.requiresMediasec
            }
            d.toTag = tag
            if let to = d.to {
                d.to = SIPNameAddress(
                    displayName: to.displayName, uri: to.uri,
                    parameters: to.parameters.filter { !equalsIgnoringCase($0.name, "tag") } + [
                        SIPParameter(name: "tag", value: tag)
                    ])
            }
            return [append(d, to: callIndex)]
        }
        // No callee tag: the INVITE and its CANCEL, or a response without To-tag (100 Trying).
        if !call.dialogIndices.isEmpty {
            if message.method == "CANCEL" || !message.isRequest { return call.dialogIndices }
            if let i = call.dialogIndices.first(where: { dialogs[$0].toTag == nil }) { return [i] }
            return [call.dialogIndices[0]]
        }
        return [append(newDialog(callID: call.callID, message: message, context: context), to: callIndex)]
    }

    private func newDialog(callID: String, message: SIPMessage, context: SIPMessageContext) -> Dialog {
        Dialog(
            callID: callID, from: message.from, to: message.to, fromTag: message.from?.tag, toTag: nil,
            state: .calling, firstFrame: context.frame, lastFrame: context.frame, firstTime: context.time,
            lastTime: context.time)
    }

    /// Evicts the eighth of the calls idle longest (at least one); returns the diagnostic to give, on the
    /// 1st, 2nd, 4th, 8th … eviction only, so that a flood of Call-IDs cannot flood the report either.
    private func evictIdleCalls(frame: Int) -> Diagnostic? {
        let count = max(1, callList.count / 8)
        // Ranked by last message, ties by age: an O(n log n) sort every n/8 new calls.
        let ranked = callList.indices.sorted {
            (callList[$0].lastFrame, $0) < (callList[$1].lastFrame, $1)
        }
        var victim = [Bool](repeating: false, count: callList.count)
        for c in ranked.prefix(count) { victim[c] = true }
        let lastIdle = ranked.prefix(count).last.map { callList[$0].lastFrame } ?? 0

        // Compact `dialogs` in order, then the calls with their dialog positions renumbered.
        var leaving = [Bool](repeating: false, count: dialogs.count)
        for (c, call) in callList.enumerated() where victim[c] {
            for d in call.dialogIndices { leaving[d] = true }
        }
        var newPosition = [Int](repeating: -1, count: dialogs.count)
        var kept: [Dialog] = []
        kept.reserveCapacity(dialogs.count)
        for (i, d) in dialogs.enumerated() {
            if leaving[i] {
                if retainsEvicted { evicted.append(d) }
            } else {
                newPosition[i] = kept.count
                kept.append(d)
            }
        }
        dialogs = kept
        var keptCalls: [Call] = []
        keptCalls.reserveCapacity(callList.count - count + 1)
        calls.removeAll(keepingCapacity: true)
        for (c, var call) in callList.enumerated() where !victim[c] {
            call.dialogIndices = call.dialogIndices.map { newPosition[$0] }
            calls[call.callID] = keptCalls.count
            keptCalls.append(call)
        }
        callList = keptCalls
        evictedCalls += count
        evictions += 1
        guard evictions & (evictions - 1) == 0 else { return nil }
        return Diagnostic(
            .warning, code: SignallingCode.limit, frame: frame, field: "SIP Call-ID",
            "\(callLimit) calls followed (limit dialogs): the \(count) idle longest (last message in frame "
                + "\(lastIdle) or before) evicted, \(evictedCalls) calls so far; a later message of an evicted "
                + "call starts it afresh")
    }

    private func append(_ d: Dialog, to callIndex: Int) -> Int {
        var d = d
        d.serial = nextSerial
        nextSerial += 1
        dialogs.append(d)
        callList[callIndex].dialogIndices.append(dialogs.count - 1)
        return dialogs.count - 1
    }

    private func update(
        dialog i: Int, callIndex: Int, message: SIPMessage, cseq: SIPCSeq, author: DialogParty,
        context: SIPMessageContext, sdp: SDPRecord?, calleeTag: String?, diagnostics: inout [Diagnostic]
    ) {
        if context.frame >= dialogs[i].lastFrame {
            dialogs[i].lastFrame = context.frame
            dialogs[i].lastTime = context.time ?? dialogs[i].lastTime
        }
        if let s = context.source {
            switch author {
            case .caller: if dialogs[i].callerSignalling == nil { dialogs[i].callerSignalling = s }
            case .callee: if dialogs[i].calleeSignalling == nil { dialogs[i].calleeSignalling = s }
            }
        }
        for m in message.securityMechanisms
        where dialogs[i].securityMechanisms.count < Self.maxPerDialog && !dialogs[i].securityMechanisms.contains(m) {
            dialogs[i].securityMechanisms.append(m)
        }
        if message.requiresMediasec { dialogs[i].requiresMediasec = true }

        let method = message.method ?? cseq.method
        if let code = message.statusCode {
            // Responses.
            if (100..<200).contains(code), calleeTag != nil, method == "INVITE", dialogs[i].state == .calling {
                dialogs[i].state = .early
            }
            if (200..<300).contains(code), method == "INVITE",
                [.calling, .early].contains(dialogs[i].state)
            {
                dialogs[i].state = .confirmed
            }
            if code >= 300 {
                recordFailure(dialog: i, message: message, code: code, method: method, cseq: cseq, context: context)
                return
            }
        } else {
            switch method {
            case "CANCEL":
                if [.calling, .early].contains(dialogs[i].state) {
                    dialogs[i].state = .cancelled
                    dialogs[i].endFrame = context.frame
                }
                guard dialogs[i].failures.count < Self.maxPerDialog else { return }
                dialogs[i].failures.append(
                    DialogFailure(
                        context: context, method: "CANCEL", statusCode: nil, reason: "cancelled by the caller",
                        warnings: message.values("Reason"), encryptionLevelsIncompatible: false))
                return
            case "BYE":
                dialogs[i].state = .terminated
                if dialogs[i].endFrame == nil { dialogs[i].endFrame = context.frame }
                return
            default: break
            }
        }
        guard var record = sdp else { return }
        offerAnswer(
            dialog: i, callIndex: callIndex, record: &record, message: message, cseq: cseq, method: method,
            calleeTag: calleeTag, diagnostics: &diagnostics)
    }

    private func offerAnswer(
        dialog i: Int, callIndex: Int, record: inout SDPRecord, message: SIPMessage, cseq: SIPCSeq, method: String,
        calleeTag: String?, diagnostics: inout [Diagnostic]
    ) {
        let author = record.author
        let frame = record.context.frame
        let transactionMethod = method == "ACK" ? "INVITE" : method
        let requester = message.isRequest ? author : author.peer
        func sameTransaction(_ x: OfferAnswerExchange) -> Bool {
            x.cseq == cseq.number && x.method == transactionMethod && x.requester == requester
        }
        // A retransmission, or the same answer again (183 then 200 with the same SDP, RFC 3262 §5).
        if let k = dialogs[i].exchanges.lastIndex(where: sameTransaction) {
            let x = dialogs[i].exchanges[k]
            if x.offer.author == author, x.offer.description == record.description { return }
            if let a = x.answer, a.author == author {
                if a.description == record.description { return }
                // A changed answer in the same transaction: not allowed by RFC 3264 §5 but sent by some
                // gateways (a 200 OK differing from the 183); recorded as a new exchange from its frame.
                diagnostics.append(
                    Diagnostic(
                        .warning, code: SignallingCode.offerAnswer, frame: frame, field: "SDP",
                        "answer in \(record.carrier) differs from the earlier answer in frame \(a.context.frame); taken from this frame on"
                    ))
                var changed = x
                record.role = .answer
                changed.answer = record
                appendExchange(changed, dialog: i)
                return
            }
        }
        // The answer to an open offer from the other party.
        if let k = dialogs[i].exchanges.lastIndex(where: { $0.answer == nil && $0.rejectedFrame == nil }) {
            let x = dialogs[i].exchanges[k]
            if x.offer.author != author {
                record.role = .answer
                dialogs[i].exchanges[k].answer = record
                checkAnswer(dialogs[i].exchanges[k], diagnostics: &diagnostics)
                return
            }
            diagnostics.append(
                Diagnostic(
                    .warning, code: SignallingCode.offerAnswer, frame: frame, field: "SDP",
                    "new offer in \(record.carrier) while the offer of frame \(x.offer.context.frame) is unanswered (RFC 3264 §4); the earlier offer is dropped"
                ))
            dialogs[i].exchanges[k].rejectedFrame = frame
        }
        // A fork's answer to the INVITE's offer, which this dialog has not seen yet.
        if !message.isRequest, transactionMethod == "INVITE", let offer = callList[callIndex].offers[cseq.number],
            offer.offer.author != author, offer.requester == requester,
            !dialogs[i].exchanges.contains(where: { sameTransaction($0) && $0.offer == offer.offer })
        {
            var x = offer
            record.role = .answer
            x.answer = record
            appendExchange(x, dialog: i)
            checkAnswer(x, diagnostics: &diagnostics)
            return
        }
        // Otherwise a new offer.
        record.role = .offer
        let kind: OfferAnswerExchange.Kind
        switch (message.isRequest, method) {
        case (true, "INVITE"): kind = (calleeTag == nil && dialogs[i].exchanges.isEmpty) ? .initial : .reinvite
        case (true, "UPDATE"): kind = .update
        case (false, "INVITE"), (true, "ACK"), (true, "PRACK"), (false, "PRACK"): kind = .delayed
        default: kind = .update
        }
        let x = OfferAnswerExchange(
            kind: kind, cseq: cseq.number, method: transactionMethod, requester: requester, offer: record, answer: nil)
        appendExchange(x, dialog: i)
        if message.isRequest, transactionMethod == "INVITE", calleeTag == nil,
            callList[callIndex].offers.count < Self.maxPerDialog
        {
            callList[callIndex].offers[cseq.number] = x
        }
    }

    private func appendExchange(_ x: OfferAnswerExchange, dialog i: Int) {
        guard dialogs[i].exchanges.count < Self.maxExchanges else { return }
        dialogs[i].exchanges.append(x)
    }

    /// RFC 3264 §6: the answer has as many m-lines as the offer.
    private func checkAnswer(_ x: OfferAnswerExchange, diagnostics: inout [Diagnostic]) {
        guard let a = x.answer, a.media.count != x.offer.media.count else { return }
        diagnostics.append(
            Diagnostic(
                .warning, code: SignallingCode.offerAnswer, frame: a.context.frame, field: "SDP m=",
                "answer has \(a.media.count) media lines, the offer of frame \(x.offer.context.frame) has \(x.offer.media.count) (RFC 3264 §6)"
            ))
    }

    private func recordFailure(
        dialog i: Int, message: SIPMessage, code: Int, method: String, cseq: SIPCSeq, context: SIPMessageContext
    ) {
        let warnings = message.values("Warning") + message.values("Reason")
        let reason = message.reasonPhrase ?? ""
        let incompatible =
            code == 488
            && ([reason] + warnings).contains { text in
                // MS-SDP §3.1.5.4.1 names it "Encryption Levels Incompatible"; its §4.2 example
                // prints "Encryption Levels not compatible". Both are read.
                let t = text.lowercased()
                return t.contains("encryption level") && (t.contains("incompatible") || t.contains("not compatible"))
            }
        if dialogs[i].failures.count < Self.maxPerDialog {
            dialogs[i].failures.append(
                DialogFailure(
                    context: context, method: method, statusCode: code, reason: reason, warnings: warnings,
                    encryptionLevelsIncompatible: incompatible))
        }
        // The offer of the failed transaction is rejected; the session stays as it was (RFC 3261 §14.1).
        for k in dialogs[i].exchanges.indices
        where dialogs[i].exchanges[k].cseq == cseq.number && dialogs[i].exchanges[k].method == method
            && dialogs[i].exchanges[k].answer == nil
            && dialogs[i].exchanges[k].rejectedFrame == nil
        {
            dialogs[i].exchanges[k].rejectedFrame = context.frame
        }
        if method == "INVITE", [.calling, .early].contains(dialogs[i].state) {
            dialogs[i].state = code == 487 && dialogs[i].state == .cancelled ? .cancelled : .failed
            if dialogs[i].endFrame == nil { dialogs[i].endFrame = context.frame }
        }
    }
}
