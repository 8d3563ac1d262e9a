----------------------------- MODULE DeferredIO -----------------------------
(***************************************************************************)
(* Deferred I/O: read() binds a segment's bytes to a copy-on-write        *)
(* snapshot of a file instead of copying them; a page is copied only when *)
(* the program first touches it; a store detaches the page; write() skips *)
(* every byte provably already in the file; any other change made through *)
(* the engine first preserves (copy-before-write) what live snapshots     *)
(* still need.  Files may also change behind the engine's back; then the  *)
(* bytes it can no longer vouch for are refused (FileChangedError), never *)
(* served wrong, until the program accepts the file's current bytes for   *)
(* them (refresh); a change of metadata alone loses nothing.  An isolated *)
(* file's snapshots read a private copy taken at read time instead of the *)
(* file.                                                                   *)
(*                                                                         *)
(* Files may also crash: each Persistent file has what readers see (the   *)
(* page cache) and what is durable, and a journal beside it.  Each step    *)
(* logs the I/O calls it made in the engine's order; a crash falls after  *)
(* any call of the last step (a process kill keeps the page cache, a power *)
(* cut keeps the durable state plus any subset of the blocks written      *)
(* since), the engine's state is lost, and recovery replays or discards   *)
(* the journal an atomic write-back left.                                  *)
(*                                                                         *)
(* What the program sees is Conventional.tla: Refinement.tla maps this    *)
(* module onto it (memory is what loads return, files are files) and TLC  *)
(* checks that every step here is a step of conventional I/O or changes   *)
(* nothing it can see.  This module states the mechanism, its structural  *)
(* invariants, and its efficiency (Lazy) in terms that do not mention the *)
(* mechanism.  spec/README.md is the contract in words; model/ and impl/  *)
(* use the names defined here.                                            *)
(*                                                                         *)
(* Two notes for the wasm checker (tla-checker 0.9.0), harmless for TLC:  *)
(*  - every operator parameter and bound variable carries a prefix unique  *)
(*    in the module (rdF, wrPos, ...): it recurses forever when an         *)
(*    argument expression mentions a name equal to one of the callee's     *)
(*    parameter names;                                                     *)
(*  - it evaluates LET definitions and operator arguments by name, once    *)
(*    per use, so a costly value used more than once is bound once with    *)
(*    \E x \in {e} : ... (a one-element set: no branching).               *)
(* And one for TLC: an action-level disjunction makes TLC branch and       *)
(* generate duplicate successors, so actions choose with IF-THEN-ELSE.    *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Files,      \* the files: model values
    Foreign,    \* the files another writer changes through the engine
    Outside,    \* the files another process changes behind the engine's back
    Isolated,   \* the files opened with isolation (private copies)
    NoFile,     \* a model value: the file of an unallocated snapshot id
    B,          \* page size = file block size, in bytes
    P,          \* pages in the segment
    MaxLen,     \* explicit limit: no file grows past MaxLen bytes
    InitLen,    \* every file starts InitLen bytes long, with any content
    Vals,       \* the byte values
    MaxSnap,    \* explicit limit: snapshot ids are 1..MaxSnap
    MaxWrite,   \* explicit limit: another writer writes at most MaxWrite bytes
    MaxSteps,   \* explicit limit: behaviours are at most MaxSteps steps long
    Persistent, \* the files whose durability and crashes are modelled
    Syncs,      \* the values Next gives Write's sync argument
    Atomics     \* the values Next gives Write's atomic argument

(* No read is ever refused for want of a snapshot id.  A step creates at  *)
(* most MaxNew snapshots: a read or a rebinding write one, a refresh one   *)
(* per file whose snapshots went stale, so at most one per Outside file.   *)
(* Before a step at most min(P * B, (MaxSteps - 1) * MaxNew) snapshots are *)
(* live (each has a bound byte), and the step needs at most MaxNew more,   *)
(* so min(P * B + MaxNew, MaxSteps * MaxNew) ids always leave enough free  *)
(* (ChosenSnap and NthFree CHOOSE from the free ids, and a CHOOSE from an  *)
(* empty set stops TLC with an error: the bound is checked, not assumed).  *)
MaxNew == IF Cardinality(Outside) > 1 THEN Cardinality(Outside) ELSE 1

ASSUME /\ Foreign \subseteq Files /\ Outside \subseteq Files /\ Isolated \subseteq Files
       /\ NoFile \notin Files
       /\ B \in Nat \ {0} /\ P \in Nat \ {0}
       /\ InitLen \in 0 .. MaxLen /\ MaxWrite \in Nat \ {0} /\ MaxSteps \in Nat /\ 0 \in Vals
       /\ MaxSnap \in Nat \ {0}
       /\ MaxSnap >= IF P * B + MaxNew < MaxSteps * MaxNew THEN P * B + MaxNew ELSE MaxSteps * MaxNew
       /\ Persistent \subseteq Files /\ Syncs \subseteq BOOLEAN /\ Atomics \subseteq BOOLEAN

VARIABLES
    src,    \* src[a]: where segment byte a comes from (Zero, Snap(s, o), Anon)
    frame,  \* frame[p]: the B resident bytes of page p, or Absent
    swap,   \* swap[p]: page p's swap slot (B bytes), or Absent
    snap,   \* snap[s]: snapshot id s: file, preserved blocks, stale, fresh, copy
    file,   \* file[f]: the file's current content, a sequence of bytes
    origin, \* ghost: where each byte's value came from, and where it survives
    lost,   \* history: the value a byte held when the engine lost it (for Mem)
    last,   \* the step record: the step just taken, its arguments and results
    steps,  \* how many steps the behaviour has taken
    disk,   \* disk[f]: a Persistent file's durable content
    journal, \* journal[f]: the journal beside a Persistent file (see NoJournal)
    opened, \* opened[f]: the engine has opened f (and recovered it) since the last crash
    log,    \* history: the I/O calls the last step made, in order
    before, \* history: the file-system state and ghosts before the last step
    synced, \* ghost: a Persistent file's content when a call promising
            \* durability (FileSync, a sync or atomic write) last returned
    interrupted \* ghost: an atomic write-back of the file cut by a crash and
            \* not yet settled by a recovery (see Uninterrupted)

vars == <<src, frame, swap, snap, file, origin, lost, last, steps, disk, journal, opened, log, before, synced,
          interrupted>>

-----------------------------------------------------------------------------
(* Geometry.  Page p covers addresses [p*B, (p+1)*B); block b covers file *)
(* offsets [b*B, (b+1)*B).  Frames, swap slots and preserved blocks are    *)
(* sequences of B bytes (index 1..B) or Absent.                           *)

Addrs   == 0 .. P * B - 1
Pages   == 0 .. P - 1
Blocks  == 0 .. ((MaxLen + B - 1) \div B) - 1
SnapIds == 1 .. MaxSnap
Absent  == <<>>
PageOf(pgA)    == pgA \div B
BlockOf(blO)   == blO \div B
PageAddrs(paP) == paP * B .. paP * B + B - 1

Min(mnX, mnY) == IF mnX < mnY THEN mnX ELSE mnY
Max(mxX, mxY) == IF mxX > mxY THEN mxX ELSE mxY
Lowest(loS)   == CHOOSE loM \in loS : \A loN \in loS : loM <= loN

(* Sources.  One record shape for all three kinds, so that TLC and the    *)
(* model compare and print them alike.                                     *)
ZeroSrc == [kind |-> "Zero", snap |-> 0, off |-> 0]
AnonSrc == [kind |-> "Anon", snap |-> 0, off |-> 0]
SnapSrc(ssS, ssO) == [kind |-> "Snap", snap |-> ssS, off |-> ssO]

(* Snapshots.  stale: its file changed behind the engine's back since it   *)
(* was taken, so its unpreserved bytes of the file are unknown.  copy: an  *)
(* isolated file's private copy, the file's content when the snapshot was  *)
(* taken (<<>> for other files).  fresh: an isolated snapshot whose copy   *)
(* still equals the file because nothing changed the file since; only a    *)
(* fresh copy may serve a new read.                                        *)
NoPreserved == [npB \in Blocks |-> Absent]
FreeSnap    == [file |-> NoFile, preserved |-> NoPreserved, stale |-> FALSE, fresh |-> FALSE, copy |-> <<>>]
NewSnap(nsF, nsContent) ==
    [file |-> nsF, preserved |-> NoPreserved, stale |-> FALSE,
     fresh |-> nsF \in Isolated, copy |-> IF nsF \in Isolated THEN nsContent ELSE <<>>]

(* Origins: ghost facts that name no snapshot, frame or flag of the       *)
(* mechanism; they record only what happened.  origin[a] says that byte a *)
(* holds what file f held at offset off when a was last read from it or   *)
(* written to it (by a read, a rebinding write or a refresh), and where   *)
(* that value still is:                                                    *)
(*   "intact"    in the file: nothing has changed the offset or its block *)
(*               since;                                                    *)
(*   "neighbour" in the file: the offset is untouched, but a change       *)
(*               through the engine wrote or cut another offset of its    *)
(*               block;                                                    *)
(*   "saved"     not in the file, but put aside: a change through the     *)
(*               engine wrote or cut the offset itself (copy-before-write *)
(*               owes the value a copy), or f is isolated and changed      *)
(*               behind the engine's back (the private copy holds it);    *)
(*   "gone"      nowhere but in memory: f changed behind the engine's     *)
(*               back while the fact was "intact", so nothing put the     *)
(*               value aside;                                              *)
(*   "doubtful"  the same, while the fact was "neighbour": the block may  *)
(*               have been put aside for another byte bound with it.      *)
(* NoOrigin: no file holds the value (never read, stored or zeroed: the   *)
(* value lives in memory or its swap slot).  The facts are what Lazy,     *)
(* RefusalJustified, Kept and Refreshed judge the mechanism by.           *)
NoOrigin == [file |-> NoFile, off |-> 0, fact |-> "none"]
OriginAt(oaF, oaO) == [file |-> oaF, off |-> oaO, fact |-> "intact"]

-----------------------------------------------------------------------------
(* Derived values.                                                         *)

(* Byte o of a byte sequence; past its end a file reads as zero.          *)
SeqByte(sqS, sqO) == IF sqO < Len(sqS) THEN sqS[sqO + 1] ELSE 0
SeqBlock(sbkS, sbkB) == [sbkI \in 1 .. B |-> SeqByte(sbkS, sbkB * B + sbkI - 1)]
FileByte(fbF, fbO) == SeqByte(file[fbF], fbO)

(* SnapByte(s, o): byte o of snapshot s -- an isolated snapshot's private  *)
(* copy; else the preserved copy of its block if copy-before-write saved   *)
(* one, else the file's current byte.  An unallocated id reads as 0 so     *)
(* that View stays total; NoDangling is what rules such a read out.        *)
SnapByte(sbS, sbO) ==
    LET sbPres == snap[sbS].preserved[BlockOf(sbO)]
    IN  IF snap[sbS].file = NoFile THEN 0
        ELSE IF snap[sbS].file \in Isolated THEN SeqByte(snap[sbS].copy, sbO)
        ELSE IF sbPres # Absent THEN sbPres[(sbO % B) + 1]
        ELSE FileByte(snap[sbS].file, sbO)

(* The block of snapshot s that copy-before-write saves: the file's bytes *)
(* now (equal to the snapshot's at every bound offset), or for an         *)
(* isolated snapshot its private copy's (the engine then stores nothing). *)
SnapBlock(skS, skB) ==
    IF snap[skS].file \in Isolated THEN SeqBlock(snap[skS].copy, skB)
    ELSE SeqBlock(file[snap[skS].file], skB)

(* The value a non-Anon source stands for.                                *)
SrcVal(svX) == IF svX.kind = "Snap" THEN SnapByte(svX.snap, svX.off) ELSE 0

(* Known(a): the engine still knows byte a's value -- resident, or its     *)
(* source is Zero, Anon, or a snapshot byte that is preserved, isolated,  *)
(* or of a snapshot whose file has not changed behind the engine's back.   *)
(* Stated for any binding, frames and snapshot table, so that Commit can  *)
(* judge it on the state a step makes.                                     *)
KnownUnder(kuSrc, kuFrame, kuSnap, kuA) ==
    \/ kuFrame[PageOf(kuA)] # Absent
    \/ kuSrc[kuA].kind # "Snap"
    \/ kuSnap[kuSrc[kuA].snap].file \in Isolated
    \/ ~kuSnap[kuSrc[kuA].snap].stale
    \/ kuSnap[kuSrc[kuA].snap].preserved[BlockOf(kuSrc[kuA].off)] # Absent
Known(knA) == KnownUnder(src, frame, snap, knA)

(* View(a): what a load of address a returns -- the frame if the page is  *)
(* resident, else the byte's source (an Anon byte lives in the swap slot). *)
View(vwA) ==
    LET vwP == PageOf(vwA) IN
    IF frame[vwP] # Absent THEN frame[vwP][(vwA % B) + 1]
    ELSE IF src[vwA].kind = "Anon"
         THEN IF swap[vwP] # Absent THEN swap[vwP][(vwA % B) + 1] ELSE 0
         ELSE SrcVal(src[vwA])

(* Mem(a): the byte the program's memory holds -- its View while known,   *)
(* else what it held when it was lost.  The refinement mapping maps        *)
(* Conventional's mem to Mem.                                              *)
Mem(meA) == IF Known(meA) THEN View(meA) ELSE lost[meA]

(* The B bytes page p holds: what a fault-in puts in its frame.           *)
PageView(pvP) == [pvI \in 1 .. B |-> View(pvP * B + pvI - 1)]

(* A page can be faulted in only if every byte of it is known.            *)
Fillable(flP) == \A flA \in PageAddrs(flP) : Known(flA)

(* A page is dirty iff one of its bytes is Anon (under source map dySrc). *)
Dirty(dySrc, dyP) == \E dyA \in PageAddrs(dyP) : dySrc[dyA].kind = "Anon"

(* Live(s): some byte is bound to snapshot s.  Refs(s): the blocks of s's  *)
(* file that bytes are bound to.  Bound(s, o): some byte is bound to       *)
(* offset o of s itself.                                                   *)
Live(lvSrc, lvS) == \E lvA \in Addrs : lvSrc[lvA].kind = "Snap" /\ lvSrc[lvA].snap = lvS
Refs(rfSrc, rfS) ==
    { BlockOf(rfSrc[rfA].off) :
        rfA \in { rfX \in Addrs : rfSrc[rfX].kind = "Snap" /\ rfSrc[rfX].snap = rfS } }
Bound(bdS, bdO) == \E bdA \in Addrs : src[bdA] = SnapSrc(bdS, bdO)

(* Snapshot choice shared by read and rebinding write: the lowest-id       *)
(* snapshot of file f, live under the current binding, not stale, with no *)
(* block of the range preserved in snapshot table ruSnap (so it reads the *)
(* file's current bytes there), and for an isolated file fresh (its copy  *)
(* still is the file); else the lowest free id.  Free is judged before    *)
(* this step releases anything.                                            *)
Reusable(ruSnap, ruF, ruBlocks) ==
    { ruS \in SnapIds : /\ Live(src, ruS)
                        /\ ruSnap[ruS].file = ruF
                        /\ ~ruSnap[ruS].stale
                        /\ (ruF \in Isolated => ruSnap[ruS].fresh)
                        /\ \A ruB \in ruBlocks : ruSnap[ruS].preserved[ruB] = Absent }
FreeIds(fiSnap) == { fiS \in SnapIds : fiSnap[fiS].file = NoFile }
(* chReusable is Reusable(chSnap, ...), bound once by the caller.         *)
ChosenSnap(chReusable, chSnap) ==
    IF chReusable # {} THEN Lowest(chReusable) ELSE Lowest(FreeIds(chSnap))
(* The snapshot table once the chosen id is allocated (if it was free):   *)
(* an isolated file's new snapshot copies the file's content wsContent.   *)
WithSnap(wsSnap, wsS, wsF, wsContent) ==
    IF wsSnap[wsS].file = NoFile THEN [wsSnap EXCEPT ![wsS] = NewSnap(wsF, wsContent)] ELSE wsSnap

-----------------------------------------------------------------------------
(* File changes.  A change through the engine (a segment's write-back, or *)
(* another writer's write or truncate) writes or cuts a set of offsets.    *)

(* Explicit limit: behaviours end after MaxSteps steps.  Every action     *)
(* checks it first (rather than Next) so that TLC still sees Next as a     *)
(* disjunction of named actions and labels each edge with its action.     *)
Bounded == steps < MaxSteps

(* Copy-before-write, minimal: before a change writes or cuts the offsets *)
(* cwOffs of file f, every live snapshot of f that is not stale, has a    *)
(* byte bound to one of those offsets itself, and has not preserved that  *)
(* offset's block, saves the block.  Nothing else is saved: growing a     *)
(* file writes no existing offset.  This is what keeps snapshots -- and so *)
(* every deferred byte -- stable; saving more would be sound but would    *)
(* turn off write-skip for the whole block (see Provable).                *)
CopyBeforeWrite(cwF, cwOffs) ==
    [cwS \in SnapIds |->
        IF snap[cwS].file # cwF \/ snap[cwS].stale THEN snap[cwS]
        ELSE [snap[cwS] EXCEPT !.preserved =
                [cwB \in Blocks |->
                    IF /\ snap[cwS].preserved[cwB] = Absent
                       /\ \E cwO \in cwOffs : BlockOf(cwO) = cwB /\ Bound(cwS, cwO)
                    THEN SnapBlock(cwS, cwB)
                    ELSE snap[cwS].preserved[cwB]]]]

(* Any change to f, through the engine or not, makes the private copies   *)
(* of f's snapshots stop being the file: they are no longer fresh.         *)
Changed(cgSnap, cgF) ==
    [cgS \in SnapIds |-> IF cgSnap[cgS].file = cgF THEN [cgSnap[cgS] EXCEPT !.fresh = FALSE]
                         ELSE cgSnap[cgS]]

(* A change behind the engine's back: the engine notices (the file's       *)
(* identity changed) and distrusts every snapshot of f taken before.       *)
Spoiled(spF) ==
    [spS \in SnapIds |-> IF snap[spS].file = spF THEN [snap[spS] EXCEPT !.stale = TRUE, !.fresh = FALSE]
                         ELSE snap[spS]]

(* The ghost facts after a change through the engine writes or cuts the   *)
(* offsets fcOffs of f: a value whose offset is written or cut is "saved" *)
(* (the engine must put it aside first), one whose block is written       *)
(* elsewhere is demoted to "neighbour".  A value no longer in the file    *)
(* keeps its fact: the change does not reach it.                          *)
InFile(ifG) == ifG.fact \in {"intact", "neighbour"}
Facts(fcF, fcOffs) ==
    [fcA \in Addrs |->
        IF origin[fcA].file # fcF \/ ~InFile(origin[fcA]) THEN origin[fcA]
        ELSE IF origin[fcA].off \in fcOffs THEN [origin[fcA] EXCEPT !.fact = "saved"]
        ELSE IF \E fcO \in fcOffs : BlockOf(fcO) = BlockOf(origin[fcA].off)
             THEN [origin[fcA] EXCEPT !.fact = "neighbour"]
        ELSE origin[fcA]]

(* After a change behind the engine's back, no value of f is in the file  *)
(* any more as far as anyone can tell: an isolated file's private copies  *)
(* hold its values ("saved"); any other value is "gone", or "doubtful"    *)
(* where its block saw a change through the engine (which may have put    *)
(* the whole block aside for another byte).                                *)
Forgotten(fgF) ==
    [fgA \in Addrs |->
        IF origin[fgA].file # fgF \/ ~InFile(origin[fgA]) THEN origin[fgA]
        ELSE IF fgF \in Isolated THEN [origin[fgA] EXCEPT !.fact = "saved"]
        ELSE IF origin[fgA].fact = "intact" THEN [origin[fgA] EXCEPT !.fact = "gone"]
        ELSE [origin[fgA] EXCEPT !.fact = "doubtful"]]

(* NoCopy(a): no copy of byte a's value survives anywhere, as the history *)
(* tells it: the file it came from changed behind the engine's back with  *)
(* nothing put aside for it, and its page is not in memory.  Judged by     *)
(* the ghost facts and residency alone, never by Known.                    *)
NoCopy(ncA) == origin[ncA].fact \in {"gone", "doubtful"} /\ frame[PageOf(ncA)] = Absent

(* The bytes of a..a+n-1 whose fact is lpFact, with no copy, whose offset *)
(* is inside their file now: <<address, file, offset>> triples, judged by *)
(* the ghost before a refresh (the record's lapsed and doubted).          *)
Lapsed(lpA, lpN, lpFact) ==
    { <<lpX, origin[lpX].file, origin[lpX].off>> :
        lpX \in { lpY \in lpA .. lpA + lpN - 1 :
                     /\ origin[lpY].fact = lpFact
                     /\ frame[PageOf(lpY)] = Absent
                     /\ origin[lpY].off < Len(file[origin[lpY].file]) } }

(* The snapshots that may serve a binding of file f's blocks bs, as        *)
(* <<snapshot, file>> pairs (the record's offered): the reusable ones,     *)
(* judged before the step.  Lazy holds the snapshot a step binds to       *)
(* against them, independently of ChosenSnap.                              *)
Offered(ofSnap, ofF, ofBlocks) == { <<ofS, ofF>> : ofS \in Reusable(ofSnap, ofF, ofBlocks) }

(* NthFree(snap, k): the free id with k free ids below it.  A refresh that *)
(* needs new snapshots for several files gives them the lowest free ids,  *)
(* in the order of each file's first lost byte.                           *)
NthFree(nfSnap, nfK) ==
    CHOOSE nfS \in FreeIds(nfSnap) : Cardinality({ nfT \in FreeIds(nfSnap) : nfT < nfS }) = nfK

(* The snapshot offsets bound at the offsets a change writes or cuts: the *)
(* only reasons a change may preserve a block (Lazy checks it against     *)
(* what was preserved, independently of CopyBeforeWrite's expression).    *)
BoundAt(baF, baOffs) ==
    { <<src[baA].snap, src[baA].off>> :
        baA \in { baX \in Addrs : /\ src[baX].kind = "Snap"
                                  /\ src[baX].off \in baOffs
                                  /\ snap[src[baX].snap].file = baF } }

(* Content ptSeq with the bytes of function ptW (offset -> value) written, *)
(* cut or zero-extended to ptLen bytes.                                    *)
Patched(ptSeq, ptW, ptLen) ==
    [ptI \in 1 .. ptLen |-> IF ptI - 1 \in DOMAIN ptW THEN ptW[ptI - 1]
                            ELSE SeqByte(ptSeq, ptI - 1)]

-----------------------------------------------------------------------------
(* The file system under the engine, and crashes.  Only Persistent files  *)
(* are modelled: each has what readers see (file, the page cache), what  *)
(* is durable (disk), and a journal beside it.  Every change to a file is *)
(* a sequence of I/O calls (the engine's documented order,                *)
(* crash-interface.md); a step logs the calls it made on Persistent files *)
(* (log) and keeps the state before it (before), so that a crash can fall *)
(* after any of them without splitting a public call into several steps.  *)

(* A journal record: the header (len: the file's length before), a run    *)
(* (off, data; pre: the bytes data overwrites, 0 past the end, read      *)
(* before the journal is created) or the commit (len: the final length).   *)
(* ok is FALSE for a record a power cut tore: it was written since the    *)
(* journal's last fsync and not all of its blocks were kept, so its CRC   *)
(* fails; what it holds then is garbage (zeros).                           *)
NoRecord == [kind |-> "none", off |-> 0, data |-> <<>>, pre |-> <<>>, len |-> 0, ok |-> TRUE]
HeaderRecord(hrLen) == [NoRecord EXCEPT !.kind = "header", !.len = hrLen]
CommitRecord(ciLen) == [NoRecord EXCEPT !.kind = "commit", !.len = ciLen]
RunRecord(rcO, rcData, rcPre) == [NoRecord EXCEPT !.kind = "run", !.off = rcO, !.data = rcData, !.pre = rcPre]
Torn(tnR) == [tnR EXCEPT !.ok = FALSE, !.data = [tnI \in DOMAIN tnR.data |-> 0], !.len = 0]

(* A journal: exists, its name as readers see it; named, its name is       *)
(* durable (a directory fsync since it was created or removed); records,  *)
(* what it holds as readers see it; synced, how many of them are durable. *)
(* A journal removed but not yet durably (exists FALSE, named TRUE) keeps *)
(* its records: a power cut can bring it back.  One journal per file: a   *)
(* journal created while an earlier one's removal is not durable takes    *)
(* its place (the earlier one cannot come back in the model).             *)
NoJournal == [exists |-> FALSE, named |-> FALSE, records |-> <<>>, synced |-> 0]

(* The ghost interrupted[f]: cut, an atomic write-back of f was cut by a  *)
(* crash and no recovery of f has returned since; pre and durable, f's     *)
(* content and durable content when it began; post, its content had it    *)
(* returned; power, a power cut has fallen since it began.                 *)
Uninterrupted == [cut |-> FALSE, pre |-> <<>>, durable |-> <<>>, post |-> <<>>, power |-> FALSE]

(* After a crash a Persistent file must be opened again, which recovers it *)
(* (Recover), before anything reads or writes it.                          *)
Pending(pdF) == pdF \in Persistent /\ ~opened[pdF]

(* An I/O call: write (off, data) or truncate (len) of the file; sync, its *)
(* fsync; create, append (records), journalSync, remove: the journal's     *)
(* O_EXCL creation, one write, fsync and unlink; dirSync, the directory's *)
(* fsync, which makes creations and removals durable.                      *)
NoIoCall == [op |-> "none", file |-> NoFile, off |-> 0, data |-> <<>>, len |-> 0, records |-> <<>>]
IoCall(icOp, icF) == [NoIoCall EXCEPT !.op = icOp, !.file = icF]
WriteCall(wcF, wcO, wcData) == [NoIoCall EXCEPT !.op = "write", !.file = wcF, !.off = wcO, !.data = wcData]
TruncateCall(tcF, tcLen) == [NoIoCall EXCEPT !.op = "truncate", !.file = tcF, !.len = tcLen]
AppendCall(apF, apRecords) == [NoIoCall EXCEPT !.op = "append", !.file = apF, !.records = apRecords]

(* The calls of a step apply in order.  These operators say what a       *)
(* sequence of them leaves in closed form, by the last call that decides  *)
(* each part, rather than by folding them one by one: the wasm checker    *)
(* cannot evaluate a recursive definition that passes its previous value  *)
(* to an operator.  Last(is): the largest number in is, 0 if none.         *)
Last(lsIs) == IF lsIs = {} THEN 0 ELSE CHOOSE lsI \in lsIs : \A lsJ \in lsIs : lsJ <= lsI
LastCall(lcCs, lcOps) == Last({ lcI \in 1 .. Len(lcCs) : lcCs[lcI].op \in lcOps })

(* Content cnS after the calls cnCs (the journal's calls leave it): its   *)
(* length is the last truncate's (or cnS's) extended by the writes after  *)
(* it; byte o is the last write's that covers it, 0 if a truncate to o or *)
(* below came after, else cnS's.                                           *)
Contents(cnS, cnCs) ==
    LET cnEnd(cnE) == cnCs[cnE].off + Len(cnCs[cnE].data)
        cnCut      == LastCall(cnCs, {"truncate"})
        cnLen      == Max(IF cnCut = 0 THEN Len(cnS) ELSE cnCs[cnCut].len,
                          Last({ cnEnd(cnW) : cnW \in { cnX \in cnCut + 1 .. Len(cnCs) : cnCs[cnX].op = "write" } }))
        cnBy(cnO)  == Last({ cnK \in 1 .. Len(cnCs) :
                               \/ cnCs[cnK].op = "write" /\ cnCs[cnK].off <= cnO /\ cnO < cnEnd(cnK)
                               \/ cnCs[cnK].op = "truncate" /\ cnCs[cnK].len <= cnO })
    IN  [cnP \in 1 .. cnLen |->
            IF cnBy(cnP - 1) = 0 THEN SeqByte(cnS, cnP - 1)
            ELSE IF cnCs[cnBy(cnP - 1)].op = "write" THEN cnCs[cnBy(cnP - 1)].data[cnP - cnCs[cnBy(cnP - 1)].off]
            ELSE 0]

(* Journal jaJ after the calls jaCs: a create starts an empty one (its     *)
(* name not durable); its records are those appended since, in order; a   *)
(* journalSync makes all its records so far durable; a remove unlinks it  *)
(* (it keeps its records while its name is durable); a dirSync makes the  *)
(* name's state durable.  A journal neither seen nor named is NoJournal.  *)
JournalAfter(jaJ, jaCs) ==
    LET jaMade   == LastCall(jaCs, {"create"})
        jaLife   == LastCall(jaCs, {"create", "remove"})
        jaDir    == LastCall(jaCs, {"dirSync"})
        jaSync   == LastCall(jaCs, {"journalSync"})
        jaBase   == IF jaMade = 0 THEN jaJ.records ELSE <<>>
        jaPieces == UNION { { <<jaK, jaR>> : jaR \in 1 .. Len(jaCs[jaK].records) } :
                              jaK \in { jaI \in jaMade + 1 .. Len(jaCs) : jaCs[jaI].op = "append" } }
        jaRank(jaQ) == Cardinality({ jaT \in jaPieces : jaT[1] < jaQ[1] \/ (jaT[1] = jaQ[1] /\ jaT[2] < jaQ[2]) })
        jaNth(jaN)  == CHOOSE jaU \in jaPieces : jaRank(jaU) = jaN - 1
        jaExists == IF jaLife = 0 THEN jaJ.exists ELSE jaCs[jaLife].op = "create"
        jaAtDir  == LastCall(SubSeq(jaCs, 1, jaDir), {"create", "remove"})
        jaNamed  == IF jaMade > jaDir THEN FALSE
                    ELSE IF jaDir = 0 THEN jaJ.named
                    ELSE IF jaAtDir = 0 THEN jaJ.exists
                    ELSE jaCs[jaAtDir].op = "create"
    IN  IF ~jaExists /\ ~jaNamed THEN NoJournal
        ELSE [exists  |-> jaExists,
              named   |-> jaNamed,
              records |-> jaBase \o [jaP \in 1 .. Cardinality(jaPieces) |->
                                        jaCs[jaNth(jaP)[1]].records[jaNth(jaP)[2]]],
              synced  |-> IF jaSync < jaMade \/ jaSync = 0 THEN (IF jaMade = 0 THEN jaJ.synced ELSE 0)
                          ELSE Len(jaBase) + Cardinality({ jaW \in jaPieces : jaW[1] < jaSync })]

(* A file-system state: [file, disk, journal], each over Persistent (and   *)
(* the ghosts synced and interrupted, which no call changes).  Now is the *)
(* current one.                                                            *)
Now == [file |-> [nwF \in Persistent |-> file[nwF]], disk |-> disk, journal |-> journal,
        synced |-> synced, interrupted |-> interrupted]

(* State apS after the calls apCs, all on one file (a step's are): its     *)
(* content, its durable content (the content at its last fsync) and its   *)
(* journal.                                                                *)
Applied(apS, apCs) ==
    IF apCs = <<>> THEN apS
    ELSE LET apF    == apCs[1].file
             apSync == LastCall(apCs, {"sync"})
         IN  [apS EXCEPT
                !.file    = [apS.file EXCEPT ![apF] = Contents(apS.file[apF], apCs)],
                !.disk    = [apS.disk EXCEPT ![apF] = IF apSync = 0 THEN apS.disk[apF]
                                                      ELSE Contents(apS.file[apF], SubSeq(apCs, 1, apSync))],
                !.journal = [apS.journal EXCEPT ![apF] = JournalAfter(apS.journal[apF], apCs)]]

(* The runs of a write-back: the maximal ranges of the offsets it writes, *)
(* ascending, as <<offset, length>> pairs.                                 *)
RunsOf(roOffs) ==
    LET roStarts == { roO \in roOffs : roO = 0 \/ roO - 1 \notin roOffs }
        roEnd(roS) == CHOOSE roE \in roOffs : roS <= roE /\ roS .. roE \subseteq roOffs /\ roE + 1 \notin roOffs
        roNth(roN) == CHOOSE roT \in roStarts : Cardinality({ roU \in roStarts : roU < roT }) = roN - 1
    IN  [roI \in 1 .. Cardinality(roStarts) |-> <<roNth(roI), roEnd(roNth(roI)) - roNth(roI) + 1>>]

(* One write per run record, in order: a write-back's in-place writes and *)
(* a recovery's replay are the same calls.                                 *)
RunWrites(rwF, rwRuns) == [rwI \in 1 .. Len(rwRuns) |-> WriteCall(rwF, rwRuns[rwI].off, rwRuns[rwI].data)]

(* The calls of a write-back of the run records wbRuns to f whose length   *)
(* is wbBefore before and wbAfter after (crash-interface.md, "The order of *)
(* I/O calls"): plain, the in-place writes, then an fsync if asked; atomic *)
(* (a redo journal of exactly the bytes written in place), steps 1 to 11.  *)
WriteBackCalls(wbF, wbRuns, wbSync, wbAtomic, wbBefore, wbAfter) ==
    IF ~wbAtomic THEN RunWrites(wbF, wbRuns) \o (IF wbSync THEN << IoCall("sync", wbF) >> ELSE <<>>)
    ELSE IF wbRuns = <<>> THEN << IoCall("sync", wbF) >>
    ELSE << IoCall("create", wbF),
            AppendCall(wbF, << HeaderRecord(wbBefore) >> \o wbRuns),
            IoCall("journalSync", wbF),
            IoCall("dirSync", wbF),
            IoCall("sync", wbF),
            AppendCall(wbF, << CommitRecord(wbAfter) >>),
            IoCall("journalSync", wbF) >>
         \o RunWrites(wbF, wbRuns)
         \o << IoCall("sync", wbF), IoCall("remove", wbF), IoCall("dirSync", wbF) >>

(* The most calls one step makes: an atomic write-back of the most runs   *)
(* a segment can hold (every other byte skipped).                          *)
MaxCalls == 10 + (P * B + 1) \div 2

(* Recovery.  The commit is the last record if it is whole; the journal   *)
(* is committed iff its header is whole and it has a commit.  A committed *)
(* journal is trusted only if every record before the commit is whole and *)
(* the file is as the write-back left it at some point: its length between *)
(* the lengths before and after, and every block a run touches holding,   *)
(* over the run's bytes below the file's length, the bytes before it (pre) *)
(* or after it (data) -- what the engine checks by each block's CRC.       *)
CommitAt(caR) == { caI \in 1 .. Len(caR) : caR[caI].kind = "commit" /\ caR[caI].ok }
(* The whole run records after the header, up to the first record that is *)
(* not one (in a trusted journal: the runs before the commit).            *)
RunsBefore(rbR) ==
    SubSeq(rbR, 2, Lowest({ rbI \in 2 .. Max(2, Len(rbR) + 1) : rbI > Len(rbR) \/ rbR[rbI].kind # "run" \/ ~rbR[rbI].ok }) - 1)
AsWritten(awRuns, awBefore, awAfter, awS) ==
    /\ Len(awS) \in awBefore .. awAfter
    /\ \A awI \in 1 .. Len(awRuns) :
          \E awR \in { awRuns[awI] } :
          \A awB \in { BlockOf(awO) : awO \in awR.off .. awR.off + Len(awR.data) - 1 } :
          \E awOffs \in { { awO \in awR.off .. awR.off + Len(awR.data) - 1 : BlockOf(awO) = awB /\ awO < Len(awS) } } :
             \/ \A awP \in awOffs : SeqByte(awS, awP) = awR.pre[awP - awR.off + 1]
             \/ \A awQ \in awOffs : SeqByte(awS, awQ) = awR.data[awQ - awR.off + 1]

(* What recovery does with journal ocJ beside content ocS: "none" (no      *)
(* journal seen), "discarded" (not committed), "corrupt" (committed but not *)
(* trusted: refused, EJOURNALCORRUPT, nothing written) or "replayed".     *)
Outcome(ocJ, ocS) ==
    IF ~ocJ.exists THEN "none"
    ELSE IF ocJ.records = <<>> \/ ~ocJ.records[1].ok \/ CommitAt(ocJ.records) = {} THEN "discarded"
    ELSE IF \E ocI \in 1 .. Lowest(CommitAt(ocJ.records)) : ~ocJ.records[ocI].ok THEN "corrupt"
    ELSE IF ~AsWritten(RunsBefore(ocJ.records), ocJ.records[1].len,
                       ocJ.records[Lowest(CommitAt(ocJ.records))].len, ocS) THEN "corrupt"
    ELSE "replayed"

(* Recovery's calls: replayed, the journal made durable first (so that    *)
(* the commit it acts on cannot be lost under its writes), one write per  *)
(* run record, the file's fsync, the journal removed, durably; discarded, *)
(* just the removal.  It never truncates: the last record ends at the     *)
(* final length.  With no journal seen it still fsyncs the directory: a   *)
(* crash between a journal's removal and the directory's fsync leaves the *)
(* removal undone by a later power cut, and the journal would come back    *)
(* over whatever the file holds by then.                                   *)
RecoveryCalls(ryF, ryJ, ryOutcome) ==
    CASE ryOutcome = "replayed" ->
            << IoCall("journalSync", ryF) >> \o RunWrites(ryF, RunsBefore(ryJ.records))
            \o << IoCall("sync", ryF), IoCall("remove", ryF), IoCall("dirSync", ryF) >>
      [] ryOutcome = "discarded" -> << IoCall("remove", ryF), IoCall("dirSync", ryF) >>
      [] OTHER -> << IoCall("dirSync", ryF) >>

(* What recovery makes of f in state rcvS: the refinement maps the file to *)
(* it, so a crash is judged by the file the next open shows.               *)
Recovered(rcvS, rcvF) ==
    LET rcvJ == rcvS.journal[rcvF] IN
    IF Outcome(rcvJ, rcvS.file[rcvF]) = "replayed"
    THEN Contents(rcvS.file[rcvF], RunWrites(rcvF, RunsBefore(rcvJ.records)))
    ELSE rcvS.file[rcvF]

(* What survives of state dbS however power is cut: the durable contents  *)
(* and the durable part of each journal whose name is durable.            *)
DurablePart(dbS) ==
    [dbS EXCEPT !.file = dbS.disk,
                !.journal = [dbF \in Persistent |->
                                IF dbS.journal[dbF].named
                                THEN [exists |-> TRUE, named |-> TRUE, synced |-> dbS.journal[dbF].synced,
                                      records |-> SubSeq(dbS.journal[dbF].records, 1, dbS.journal[dbF].synced)]
                                ELSE NoJournal]]

(* A power cut.  Each Persistent file keeps its durable content plus any  *)
(* subset of the blocks written since its last fsync (each block durable  *)
(* or as readers saw it), with its durable or its current length; its     *)
(* journal's name keeps its durable state or the one readers saw (a      *)
(* creation not made durable may vanish, a removal not made durable may   *)
(* be undone), and each journal record written since the journal's fsync  *)
(* is kept whole or torn.  The choice is a set of tokens <<f, what, i>>,  *)
(* each keeping the version readers saw: a block, the length, the name, a *)
(* record.  Then everything is durable.                                    *)
Volatile(vlS, vlF) ==
    [length |-> IF Len(vlS.disk[vlF]) # Len(vlS.file[vlF]) THEN { <<vlF, "length", 0>> } ELSE {},
     name   |-> IF vlS.journal[vlF].exists # vlS.journal[vlF].named THEN { <<vlF, "name", 0>> } ELSE {}]
KeptLength(klS, klF, klKeep) ==
    IF <<klF, "length", 0>> \in klKeep THEN Len(klS.file[klF]) ELSE Len(klS.disk[klF])
Survives(svS, svF, svKeep) ==
    IF <<svF, "name", 0>> \in svKeep THEN svS.journal[svF].exists ELSE svS.journal[svF].named
(* The choices that make a difference: a block only where its versions     *)
(* differ below the length kept, a record only of a journal that survives. *)
FileKeeps(fkS, fkF) ==
    UNION { UNION { { fkL \cup fkN \cup fkB \cup fkR :
                        fkB \in SUBSET { <<fkF, "block", fkX>> :
                                           fkX \in { fkY \in Blocks :
                                                       \E fkO \in fkY * B .. fkY * B + B - 1 :
                                                          /\ fkO < KeptLength(fkS, fkF, fkL)
                                                          /\ SeqByte(fkS.disk[fkF], fkO) # SeqByte(fkS.file[fkF], fkO) } },
                        fkR \in SUBSET (IF Survives(fkS, fkF, fkN)
                                        THEN { <<fkF, "record", fkI>> :
                                                 fkI \in fkS.journal[fkF].synced + 1 .. Len(fkS.journal[fkF].records) }
                                        ELSE {}) } :
                    fkN \in SUBSET Volatile(fkS, fkF).name } :
            fkL \in SUBSET Volatile(fkS, fkF).length }
Keeps(kpS) ==
    { UNION { kpK[kpF] : kpF \in Persistent } :
        kpK \in { kpC \in [Persistent -> UNION { FileKeeps(kpS, kpG) : kpG \in Persistent }] :
                    \A kpH \in Persistent : kpC[kpH] \in FileKeeps(kpS, kpH) } }
PowerCut(pcS, pcKeep) ==
    LET pcFiles == [pcF \in Persistent |->
                      [pcI \in 1 .. KeptLength(pcS, pcF, pcKeep) |->
                          SeqByte(IF <<pcF, "block", (pcI - 1) \div B>> \in pcKeep THEN pcS.file[pcF] ELSE pcS.disk[pcF],
                                  pcI - 1)]]
        pcRecords(pcG) == [pcJ \in 1 .. Len(pcS.journal[pcG].records) |->
                             IF pcJ <= pcS.journal[pcG].synced \/ <<pcG, "record", pcJ>> \in pcKeep
                             THEN pcS.journal[pcG].records[pcJ]
                             ELSE Torn(pcS.journal[pcG].records[pcJ])]
    IN  [pcS EXCEPT
            !.file = pcFiles,
            !.disk = pcFiles,
            !.journal = [pcH \in Persistent |->
                            IF Survives(pcS, pcH, pcKeep)
                            THEN [exists |-> TRUE, named |-> TRUE, records |-> pcRecords(pcH),
                                  synced |-> Len(pcS.journal[pcH].records)]
                            ELSE NoJournal]]

-----------------------------------------------------------------------------
(* Release and commit.  Every action ends with Commit or Refuse.           *)

(* Release: a snapshot no byte is bound to is freed; a preserved block no *)
(* byte references is dropped.                                             *)
Release(rlSrc, rlSnap) ==
    [rlS \in SnapIds |->
        IF ~Live(rlSrc, rlS) THEN FreeSnap
        ELSE [rlSnap[rlS] EXCEPT !.preserved =
                [rlB \in Blocks |-> IF rlB \in Refs(rlSrc, rlS)
                                    THEN rlSnap[rlS].preserved[rlB] ELSE Absent]]]

(* A page with no Anon byte needs no swap slot.                           *)
SwapKept(skSrc, skSwap) ==
    [skP \in Pages |-> IF Dirty(skSrc, skP) THEN skSwap[skP] ELSE Absent]

(* The step record.  Every field is present in every step (0, FALSE,      *)
(* NoFile, "none", {} or <<>> where it does not apply), so records compare *)
(* and print uniformly.                                                    *)
(*   ret: what read or refresh (the count) or load (the byte) returned;   *)
(*   out: the bytes copyOut or a bytes view returned;                     *)
(*   writable: whether a bytes view was writable;                         *)
(*   err: "FileChangedError" where the step was refused ("EJOURNALCORRUPT" *)
(*          for a recovery), else "none";                                  *)
(*   fault: a page became resident in this step;                          *)
(*   written, skipped: the bytes a write wrote and skipped;               *)
(*   wrote: the file offsets a write wrote (the mechanism's choice);      *)
(*   needed: the offsets whose byte's origin does not prove it present;   *)
(*   excused: the offsets whose byte's origin is only a "neighbour" fact;  *)
(*   bound: <<snapshot, offset>> pairs bound at the offsets a change      *)
(*          wrote or cut, judged before the change;                       *)
(*   preserved: <<snapshot, block>> pairs this step preserved;            *)
(*   reread: <<address, file, offset>> triples a refresh bound to the      *)
(*          file's current content (the mechanism's choice);              *)
(*   lapsed, doubted: the same triples for the bytes of a refresh's range *)
(*          whose origin fact was "gone" or "doubtful", with no copy and  *)
(*          inside their file, judged before the refresh by the ghost;    *)
(*   offered: <<snapshot, file>> pairs that could serve the step's new    *)
(*          bindings (a read, a rebinding write, a refresh), judged        *)
(*          before the step;                                               *)
(*   sync, atomic: a write's options ({ sync: true }, { atomic: true });   *)
(*   kind, cut, keep: a crash's kind ("kill" or "power"), the calls of the *)
(*          last step made before it, and what a power cut kept (tokens,  *)
(*          see PowerCut; the mechanism's choice);                        *)
(*   recovery: what a recovery did, "replayed" or "discarded";            *)
(*   was: a crash's history, for the properties: the step it fell in (op, *)
(*          file, atomic, recovery), whether that step had returned, its   *)
(*          file's durable content before it and content after it (an     *)
(*          atomic write or a recovery only), and promised: the <<file,    *)
(*          offset, value>> triples a returned fsync vouches for           *)
(*          (unchanged since in the file as the next open shows it, and    *)
(*          by that step).                                                 *)
NoWas == [op |-> "none", file |-> NoFile, atomic |-> FALSE, recovery |-> "none", returned |-> TRUE,
          durable |-> <<>>, post |-> <<>>, promised |-> {}]
NoStep == [op |-> "init", addr |-> 0, len |-> 0, file |-> NoFile, pos |-> 0,
           val |-> 0, data |-> <<>>, page |-> 0, rebind |-> FALSE, writable |-> FALSE,
           ret |-> 0, out |-> <<>>, err |-> "none", fault |-> FALSE, written |-> 0, skipped |-> 0,
           wrote |-> {}, needed |-> {}, excused |-> {}, bound |-> {}, preserved |-> {},
           reread |-> {}, lapsed |-> {}, doubted |-> {}, offered |-> {},
           sync |-> FALSE, atomic |-> FALSE, kind |-> "none", cut |-> 0, keep |-> {},
           recovery |-> "none", was |-> NoWas]

(* Commit ends every step that is not refused: it installs the new         *)
(* binding, frames, swap slots, snapshot table and origins, releases what  *)
(* is no longer needed, keeps lost in step (the value of every byte the    *)
(* step makes unknown; 0 for a known byte, so that states stay canonical), *)
(* and records the step with the blocks it preserved (before releasing:   *)
(* a block preserved and released in one step was still copied) and      *)
(* whether it faulted.  Only an eviction or a change behind the engine's back can    *)
(* make a known byte unknown (cmLoses); any other step can only make      *)
(* unknown bytes known again, so it need not judge bytes whose lost value  *)
(* is 0 (a shortcut that halves the wasm checker's time on this spec).    *)
Commit(cmSrc, cmFrame, cmSwap, cmSnap, cmOrigin, cmRec, cmLoses) ==
    \E cmS \in {cmSrc}, cmU \in {cmSnap} : \E cmF \in {cmFrame}, cmT \in {Release(cmS, cmU)} :
    /\ src'    = cmS
    /\ frame'  = cmF
    /\ swap'   = SwapKept(cmS, cmSwap)
    /\ snap'   = cmT
    /\ origin' = cmOrigin
    /\ lost'   = [cmA \in Addrs |->
                    IF ~cmLoses /\ lost[cmA] = 0 THEN 0
                    ELSE IF KnownUnder(cmS, cmF, cmT, cmA) THEN 0 ELSE Mem(cmA)]
    /\ last'   = [cmRec EXCEPT
                    !.fault = \E cmP \in Pages : cmF[cmP] # Absent /\ frame[cmP] = Absent,
                    !.preserved = { <<cmI, cmB>> \in SnapIds \X Blocks :
                                      cmU[cmI].preserved[cmB] # Absent /\ snap[cmI].preserved[cmB] = Absent }]
    /\ steps'  = steps + 1

(* Refused: the engine raised an error and changed nothing; Refuse: a    *)
(* FileChangedError rather than copy a byte it no longer knows.  (The     *)
(* caller says that no file changed: NoIo.)                               *)
Refused(rfRec, rfErr) ==
    /\ UNCHANGED <<src, frame, swap, snap, origin, lost>>
    /\ last'  = [rfRec EXCEPT !.err = rfErr]
    /\ steps' = steps + 1
Refuse(rjRec) == Refused(rjRec, "FileChangedError")

(* The file system in a step.  NoIo: no call, nothing changes.  Io: the   *)
(* calls ioCalls on file f, logged if f is Persistent; ioDurable, the call *)
(* returns promising durability (the ghost synced records the content);  *)
(* ioSettled, it is an atomic write-back or a recovery that returns: the  *)
(* ghost interrupted clears, and the file is open (after a crash only a   *)
(* recovery opens it; an atomic write-back needs it open already).        *)
NoIo ==
    /\ UNCHANGED <<file, disk, journal, opened, synced, interrupted>>
    /\ log'    = <<>>
    /\ before' = Now
Io(ioF, ioCalls, ioDurable, ioSettled) ==
    /\ file' = [file EXCEPT ![ioF] = Contents(file[ioF], ioCalls)]
    /\ before' = Now
    /\ IF ioF \in Persistent
       THEN \E ioS \in { Applied(Now, ioCalls) } :
            /\ disk'        = ioS.disk
            /\ journal'     = ioS.journal
            /\ log'         = ioCalls
            /\ synced'      = IF ioDurable THEN [synced EXCEPT ![ioF] = ioS.file[ioF]] ELSE synced
            /\ interrupted' = IF ioSettled THEN [interrupted EXCEPT ![ioF] = Uninterrupted] ELSE interrupted
            /\ opened'      = IF ioSettled THEN [opened EXCEPT ![ioF] = TRUE] ELSE opened
       ELSE /\ UNCHANGED <<disk, journal, opened, synced, interrupted>>
            /\ log' = <<>>

-----------------------------------------------------------------------------
(* Initial state: every byte Zero, nothing resident or swapped, no         *)
(* snapshot, no origin, every file InitLen bytes of any content.          *)
(* Every file is durable, with no journal.  A crash puts the engine's     *)
(* variables back to these values.                                         *)
InitSrc     == [inA \in Addrs |-> ZeroSrc]
InitPages   == [inP \in Pages |-> Absent]
InitSnap    == [inS \in SnapIds |-> FreeSnap]
InitOrigin  == [inO \in Addrs |-> NoOrigin]
InitLost    == [inL \in Addrs |-> 0]
Init ==
    /\ src    = InitSrc
    /\ frame  = InitPages
    /\ swap   = InitPages
    /\ snap   = InitSnap
    /\ file   \in [Files -> [1 .. InitLen -> Vals]]
    /\ origin = InitOrigin
    /\ lost   = InitLost
    /\ last   = NoStep
    /\ steps  = 0
    /\ disk   = [inD \in Persistent |-> file[inD]]
    /\ journal = [inJ \in Persistent |-> NoJournal]
    /\ opened = [inE \in Persistent |-> TRUE]
    /\ log    = <<>>
    /\ synced = disk
    /\ interrupted = [inI \in Persistent |-> Uninterrupted]
    /\ before = Now

-----------------------------------------------------------------------------
(* read(f, pos, a, n): returns k = min(n, len - pos), 0 at or past EOF.    *)
(* Bytes a..a+k-1 are bound to offsets pos..pos+k-1 of the chosen          *)
(* snapshot.  No data moves: a page entirely covered drops its frame and  *)
(* swap slot; a resident page only partly covered has just the covered    *)
(* bytes refreshed from the file (the fragment copy; the file's bytes are *)
(* the snapshot's, as nothing of the range is preserved in it and an      *)
(* isolated one is fresh).  Never refused: it reads nothing it must trust. *)
Read(rdF, rdPos, rdA, rdN) ==
    Bounded /\
    LET rdK      == IF rdPos >= Len(file[rdF]) THEN 0 ELSE Min(rdN, Len(file[rdF]) - rdPos)
        rdBlocks == { BlockOf(rdO) : rdO \in rdPos .. rdPos + rdK - 1 }
        rdRec    == [NoStep EXCEPT !.op = "read", !.file = rdF, !.pos = rdPos,
                                   !.addr = rdA, !.len = rdN, !.ret = rdK]
        rdIn(rdX)   == rdA <= rdX /\ rdX < rdA + rdK
        rdFull(rdP) == \A rdY \in PageAddrs(rdP) : rdIn(rdY)
    IN  /\ ~Pending(rdF)
        /\ NoIo
        /\ IF rdK = 0
           THEN Commit(src, frame, swap, snap, origin, rdRec, FALSE)
           ELSE \E rdU \in { Reusable(snap, rdF, rdBlocks) } : \E rdS \in { ChosenSnap(rdU, snap) } :
                Commit([rdZ \in Addrs |-> IF rdIn(rdZ) THEN SnapSrc(rdS, rdPos + rdZ - rdA)
                                         ELSE src[rdZ]],
                       [rdQ \in Pages |->
                          IF rdFull(rdQ) \/ frame[rdQ] = Absent THEN Absent
                          ELSE [rdI \in 1 .. B |->
                                  IF rdIn(rdQ * B + rdI - 1)
                                  THEN FileByte(rdF, rdPos + rdQ * B + rdI - 1 - rdA)
                                  ELSE frame[rdQ][rdI]]],
                       [rdR \in Pages |-> IF rdFull(rdR) THEN Absent ELSE swap[rdR]],
                       WithSnap(snap, rdS, rdF, file[rdF]),
                       [rdG \in Addrs |-> IF rdIn(rdG) THEN OriginAt(rdF, rdPos + rdG - rdA)
                                          ELSE origin[rdG]],
                       [rdRec EXCEPT !.offered = Offered(snap, rdF, rdBlocks)], FALSE)

(* load(a): returns View(a).  A page not resident is faulted in: its frame *)
(* gets the page's View and its swap slot is freed -- unless a byte of it *)
(* is no longer known: then the load is refused.                          *)
Load(ldA) ==
    Bounded /\
    LET ldP   == PageOf(ldA)
        ldRec == [NoStep EXCEPT !.op = "load", !.addr = ldA]
    IN  /\ NoIo
        /\ IF frame[ldP] # Absent
           THEN Commit(src, frame, swap, snap, origin, [ldRec EXCEPT !.ret = View(ldA)], FALSE)
           ELSE IF Fillable(ldP)
           THEN Commit(src, [frame EXCEPT ![ldP] = PageView(ldP)],
                       [swap EXCEPT ![ldP] = Absent], snap, origin, [ldRec EXCEPT !.ret = View(ldA)], FALSE)
           ELSE Refuse(ldRec)

(* store(a, v): faults the page in, sets the byte, and detaches the whole *)
(* page: every byte becomes Anon (so its old bindings may be released)    *)
(* and loses its origin.  Refused like a load when the page cannot be     *)
(* faulted in.                                                             *)
Store(stA, stV) ==
    Bounded /\
    LET stP   == PageOf(stA)
        stRec == [NoStep EXCEPT !.op = "store", !.addr = stA, !.val = stV]
    IN  /\ NoIo
        /\ IF frame[stP] # Absent \/ Fillable(stP)
           THEN \E stBase \in { IF frame[stP] # Absent THEN frame[stP] ELSE PageView(stP) } :
                Commit([stX \in Addrs |-> IF PageOf(stX) = stP THEN AnonSrc ELSE src[stX]],
                       [frame EXCEPT ![stP] = [stBase EXCEPT ![(stA % B) + 1] = stV]],
                       [swap EXCEPT ![stP] = Absent], snap,
                       [stG \in Addrs |-> IF PageOf(stG) = stP THEN NoOrigin ELSE origin[stG]],
                       stRec, FALSE)
           ELSE Refuse(stRec)

(* bytes(a, n, w): a direct view of bytes a..a+n-1, all in one page: the  *)
(* page is faulted in like a load (and refused like one), and a writable  *)
(* view (w) detaches the page first, as a store of its own values would,  *)
(* so that stores through the view land in a page already dirty.  The     *)
(* view is the frame's bytes (out); the program may use it only until its *)
(* next call into the engine.                                              *)
Bytes(byA, byN, byW) ==
    Bounded /\
    LET byP   == PageOf(byA)
        byRec == [NoStep EXCEPT !.op = "bytes", !.addr = byA, !.len = byN, !.writable = byW]
    IN  /\ NoIo
        /\ IF frame[byP] # Absent \/ Fillable(byP)
           THEN \E byF \in { IF frame[byP] # Absent THEN frame[byP] ELSE PageView(byP) } :
                Commit(IF byW THEN [byX \in Addrs |-> IF PageOf(byX) = byP THEN AnonSrc ELSE src[byX]] ELSE src,
                       [frame EXCEPT ![byP] = byF],
                       [swap EXCEPT ![byP] = Absent], snap,
                       IF byW THEN [byG \in Addrs |-> IF PageOf(byG) = byP THEN NoOrigin ELSE origin[byG]]
                       ELSE origin,
                       [byRec EXCEPT !.out = [byI \in 1 .. byN |-> byF[(byA % B) + byI]]], FALSE)
           ELSE Refuse(byRec)

(* copyOut(a, n): copies the View of bytes a..a+n-1 out (out) without      *)
(* faulting any page in: resident pages from their frames, the rest from  *)
(* their sources.  Refused if a byte is no longer known.                  *)
CopyOut(coA, coN) ==
    Bounded /\
    LET coRec == [NoStep EXCEPT !.op = "copyOut", !.addr = coA, !.len = coN] IN
    /\ NoIo
    /\ IF \A coI \in 0 .. coN - 1 : Known(coA + coI)
       THEN Commit(src, frame, swap, snap, origin,
                   [coRec EXCEPT !.out = [coJ \in 1 .. coN |-> View(coA + coJ - 1)]], FALSE)
       ELSE Refuse(coRec)

(* prefetch(p, n): the engine's batched fill (madvise WILLNEED): pages    *)
(* p..p+n-1 that are not resident are faulted in, in order, up to the     *)
(* first that cannot be (best effort: that page is left for its own fault *)
(* to refuse).  The engine's readahead after a sequential fault is a load *)
(* followed by this; when it reads ahead is policy, outside the spec.     *)
Prefetch(pfP, pfN) ==
    Bounded /\
    \E pfStop \in { { pfQ \in pfP .. pfP + pfN - 1 : frame[pfQ] = Absent /\ ~Fillable(pfQ) } } :
    LET pfIn(pfX) == pfP <= pfX /\ pfX < pfP + pfN /\ \A pfY \in pfStop : pfX < pfY IN
    /\ NoIo
    /\ Commit(src, [pfQ \in Pages |-> IF pfIn(pfQ) /\ frame[pfQ] = Absent THEN PageView(pfQ) ELSE frame[pfQ]],
              [pfR \in Pages |-> IF pfIn(pfR) THEN Absent ELSE swap[pfR]], snap, origin,
              [NoStep EXCEPT !.op = "prefetch", !.page = pfP, !.len = pfN], FALSE)

(* Provable(a, f, pos, i): byte i of a write of segment a.. to f at pos is *)
(* provably already in the file: it is bound to the same offset of a      *)
(* snapshot of f that is not stale, the offset is inside the file, and    *)
(* the block has not been preserved (so no change reached a bound offset  *)
(* of it since).  Skipping is exact: a write skips exactly these bytes.   *)
Provable(pbA, pbF, pbPos, pbI) ==
    LET pbX == src[pbA + pbI] IN
    /\ pbX.kind = "Snap"
    /\ pbX.off = pbPos + pbI
    /\ snap[pbX.snap].file = pbF
    /\ ~snap[pbX.snap].stale
    /\ pbPos + pbI < Len(file[pbF])
    /\ snap[pbX.snap].preserved[BlockOf(pbPos + pbI)] = Absent

(* Whether byte a's origin says it is what f holds at offset o.           *)
Vouched(vcA, vcF, vcO) ==
    /\ origin[vcA].file = vcF
    /\ origin[vcA].off = vcO
    /\ origin[vcA].fact \in {"intact", "neighbour"}

(* write(a, n, f, pos, rebind): the View of bytes a..a+n-1, taken before  *)
(* any file change, goes to f[pos..pos+n-1]; provable bytes are skipped,  *)
(* the rest written (the file grows as needed, a gap reads as zero;       *)
(* writing nothing changes nothing).  Refused if a byte to be written is  *)
(* no longer known.  The write is itself a change to f, so copy-before-   *)
(* write comes first.  With rebind the bytes are then bound to the        *)
(* written range: a written page becomes clean, and the next write-back   *)
(* of an unchanged region skips everything.                                *)
(* The bytes written go in runs (the maximal ranges written, ascending),  *)
(* one write call each.  With sync the file is then fsynced.  With atomic *)
(* (which implies sync) the runs go through a journal first               *)
(* (WriteBackCalls), so that a crash anywhere leaves, after recovery,     *)
(* the file exactly as before the write or exactly as after it; it writes *)
(* the same runs in place, never a skipped byte.  A file with a pending   *)
(* journal cannot be written before its recovery.                         *)
Write(wrA, wrN, wrF, wrPos, wrRebind, wrSync, wrAtomic) ==
    Bounded /\
    LET wrBlocks == { BlockOf(wrU) : wrU \in wrPos .. wrPos + wrN - 1 }
        wrIn(wrX) == wrA <= wrX /\ wrX < wrA + wrN
        wrRec    == [NoStep EXCEPT !.op = "write", !.addr = wrA, !.len = wrN, !.file = wrF,
                                   !.pos = wrPos, !.rebind = wrRebind, !.sync = wrSync, !.atomic = wrAtomic]
    IN
    /\ wrPos + wrN <= MaxLen
    /\ wrAtomic => wrSync
    /\ wrSync => wrF \in Persistent
    /\ ~Pending(wrF)
    /\ \E wrNeed \in { { wrI \in 0 .. wrN - 1 : ~Provable(wrA, wrF, wrPos, wrI) } } :
       IF \E wrJ \in wrNeed : ~Known(wrA + wrJ)
       THEN NoIo /\ Refuse(wrRec)
       ELSE
       \E wrOffs \in { { wrPos + wrJ : wrJ \in wrNeed } } :
       \E wrRanges \in { RunsOf(wrOffs) } :
       \E wrRuns \in { [wrH \in 1 .. Len(wrRanges) |->
                          RunRecord(wrRanges[wrH][1],
                                    [wrD \in 1 .. wrRanges[wrH][2] |-> View(wrA + wrRanges[wrH][1] + wrD - 1 - wrPos)],
                                    [wrE \in 1 .. wrRanges[wrH][2] |-> FileByte(wrF, wrRanges[wrH][1] + wrE - 1)])] } :
       \E wrNew \in { Contents(file[wrF], RunWrites(wrF, wrRuns)) } :
       \E wrSnap \in { IF wrOffs = {} THEN snap ELSE Changed(CopyBeforeWrite(wrF, wrOffs), wrF) } :
       \E wrFacts \in { Facts(wrF, wrOffs) } :
       LET wrDone == [wrRec EXCEPT
                        !.written = Cardinality(wrOffs),
                        !.skipped = wrN - Cardinality(wrOffs),
                        !.wrote   = wrOffs,
                        !.needed  = { wrPos + wrI : wrI \in { wrK \in 0 .. wrN - 1 :
                                                                ~Vouched(wrA + wrK, wrF, wrPos + wrK) } },
                        !.excused = { wrPos + wrI : wrI \in { wrK \in 0 .. wrN - 1 :
                                                                /\ Vouched(wrA + wrK, wrF, wrPos + wrK)
                                                                /\ origin[wrA + wrK].fact = "neighbour" } },
                        !.bound   = BoundAt(wrF, wrOffs)]
       IN
       /\ Io(wrF, WriteBackCalls(wrF, wrRuns, wrSync, wrAtomic, Len(file[wrF]), Len(wrNew)), wrSync, wrAtomic)
       /\ IF wrRebind /\ wrN > 0
          THEN \E wrR \in { Reusable(wrSnap, wrF, wrBlocks) } : \E wrS \in { ChosenSnap(wrR, wrSnap) } :
               Commit([wrZ \in Addrs |-> IF wrIn(wrZ) THEN SnapSrc(wrS, wrPos + wrZ - wrA)
                                        ELSE src[wrZ]],
                      frame, swap, WithSnap(wrSnap, wrS, wrF, wrNew),
                      [wrG \in Addrs |-> IF wrIn(wrG) THEN OriginAt(wrF, wrPos + wrG - wrA)
                                         ELSE wrFacts[wrG]],
                      [wrDone EXCEPT !.offered = Offered(wrSnap, wrF, wrBlocks)], FALSE)
          ELSE Commit(src, frame, swap, wrSnap, wrFacts, wrDone, FALSE)

(* zero(a, n): the "memset syscall".  Bytes become Zero without loading:  *)
(* entirely covered pages drop frame and swap slot; a resident page only  *)
(* partly covered gets zeros in its frame.                                *)
Zero(zrA, zrN) ==
    Bounded /\
    LET zrIn(zrX)   == zrA <= zrX /\ zrX < zrA + zrN
        zrFull(zrP) == \A zrY \in PageAddrs(zrP) : zrIn(zrY)
    IN  /\ NoIo
        /\ Commit([zrZ \in Addrs |-> IF zrIn(zrZ) THEN ZeroSrc ELSE src[zrZ]],
                  [zrQ \in Pages |->
                      IF zrFull(zrQ) \/ frame[zrQ] = Absent THEN Absent
                      ELSE [zrI \in 1 .. B |-> IF zrIn(zrQ * B + zrI - 1) THEN 0
                                               ELSE frame[zrQ][zrI]]],
                  [zrR \in Pages |-> IF zrFull(zrR) THEN Absent ELSE swap[zrR]],
                  snap,
                  [zrG \in Addrs |-> IF zrIn(zrG) THEN NoOrigin ELSE origin[zrG]],
                  [NoStep EXCEPT !.op = "zero", !.addr = zrA, !.len = zrN], FALSE)

(* refresh(a, n): the program accepts the files' current bytes for what   *)
(* it lost.  Every byte of a..a+n-1 the engine no longer knows (bound to   *)
(* offset o of a stale snapshot of a file read directly, its block not     *)
(* preserved, its page not resident) whose offset o is inside its file now *)
(* is bound to offset o of the file as it is now, as a read of o would     *)
(* bind it: to the lowest snapshot of the file reusable for the blocks     *)
(* re-read from it, else to a new one (one per file; new ones take the     *)
(* lowest free ids in the order of each file's first such byte).  A byte   *)
(* at or past the end of its file has no current content and stays lost;  *)
(* a byte the engine knows is never touched, so a program may refresh a   *)
(* whole segment after any FileChangedError.  Returns how many bytes it    *)
(* bound (ret); like read it copies nothing (no lost byte is resident) and *)
(* is never refused.  To the program it is conventional read(2)s of those *)
(* offsets into those bytes (reread names them).                           *)
Refresh(rrA, rrN) ==
    Bounded /\
    LET rrRec == [NoStep EXCEPT !.op = "refresh", !.addr = rrA, !.len = rrN,
                                !.lapsed = Lapsed(rrA, rrN, "gone"), !.doubted = Lapsed(rrA, rrN, "doubtful")]
        rrFileOf(rrX) == snap[src[rrX].snap].file
    IN
    /\ NoIo
    /\ \E rrLost \in { { rrY \in rrA .. rrA + rrN - 1 :
                          /\ ~Known(rrY)
                          /\ src[rrY].off < Len(file[rrFileOf(rrY)]) } } :
       IF rrLost = {}
       THEN Commit(src, frame, swap, snap, origin, rrRec, FALSE)
       ELSE
       \E rrFiles \in { { rrFileOf(rrZ) : rrZ \in rrLost } } :
       LET rrOf(rrG)     == { rrW \in rrLost : rrFileOf(rrW) = rrG }
           rrBlocks(rrH) == { BlockOf(src[rrV].off) : rrV \in rrOf(rrH) }
       IN
       \E rrReuse \in { [rrI \in rrFiles |-> Reusable(snap, rrI, rrBlocks(rrI))] } :
       \E rrNew \in { { rrJ \in rrFiles : rrReuse[rrJ] = {} } } :
       \E rrTo \in { [rrK \in rrFiles |->
                        IF rrReuse[rrK] # {} THEN Lowest(rrReuse[rrK])
                        ELSE NthFree(snap, Cardinality({ rrL \in rrNew : Lowest(rrOf(rrL)) < Lowest(rrOf(rrK)) }))] } :
       Commit([rrX \in Addrs |-> IF rrX \in rrLost THEN SnapSrc(rrTo[rrFileOf(rrX)], src[rrX].off) ELSE src[rrX]],
              frame, swap,
              [rrS \in SnapIds |->
                  IF snap[rrS].file = NoFile /\ \E rrM \in rrNew : rrTo[rrM] = rrS
                  THEN LET rrMade == CHOOSE rrE \in rrNew : rrTo[rrE] = rrS IN NewSnap(rrMade, file[rrMade])
                  ELSE snap[rrS]],
              [rrU \in Addrs |-> IF rrU \in rrLost THEN OriginAt(rrFileOf(rrU), src[rrU].off) ELSE origin[rrU]],
              [rrRec EXCEPT !.ret     = Cardinality(rrLost),
                            !.reread  = { <<rrT, rrFileOf(rrT), src[rrT].off>> : rrT \in rrLost },
                            !.offered = UNION { Offered(snap, rrQ, rrBlocks(rrQ)) : rrQ \in rrFiles }],
              FALSE)

(* fileWrite(f, pos, data): another writer writes data at pos through the *)
(* engine.  Copy-before-write first, so no snapshot changes.              *)
FileWrite(fwF, fwPos, fwData) ==
    Bounded /\
    LET fwOffs == fwPos .. fwPos + Len(fwData) - 1 IN
    /\ fwPos + Len(fwData) <= MaxLen
    /\ ~Pending(fwF)
    /\ Io(fwF, << WriteCall(fwF, fwPos, fwData) >>, FALSE, FALSE)
    /\ Commit(src, frame, swap, Changed(CopyBeforeWrite(fwF, fwOffs), fwF), Facts(fwF, fwOffs),
              [NoStep EXCEPT !.op = "fileWrite", !.file = fwF, !.pos = fwPos, !.data = fwData,
                             !.bound = BoundAt(fwF, fwOffs)], FALSE)

(* fileTruncate(f, len): another writer cuts or extends f to len bytes    *)
(* through the engine: copy-before-write of the offsets cut.  Even a      *)
(* truncate to the current length is a change (it moves mtime), so        *)
(* isolated copies stop being fresh.                                       *)
FileTruncate(ftF, ftLen) ==
    Bounded /\
    LET ftCut == ftLen .. Len(file[ftF]) - 1 IN
    /\ ~Pending(ftF)
    /\ Io(ftF, << TruncateCall(ftF, ftLen) >>, FALSE, FALSE)
    /\ Commit(src, frame, swap, Changed(CopyBeforeWrite(ftF, ftCut), ftF), Facts(ftF, ftCut),
              [NoStep EXCEPT !.op = "fileTruncate", !.file = ftF, !.len = ftLen,
                             !.bound = BoundAt(ftF, ftCut)], FALSE)

(* outsideWrite(f, pos, data): another process writes f behind the        *)
(* engine's back: no copy-before-write.  The engine notices by the file's *)
(* identity and distrusts every snapshot of f (Spoiled); their bytes not  *)
(* already resident, preserved or isolated are lost.                      *)
OutsideWrite(owF, owPos, owData) ==
    /\ Bounded
    /\ owPos + Len(owData) <= MaxLen
    /\ ~Pending(owF)
    /\ Io(owF, << WriteCall(owF, owPos, owData) >>, FALSE, FALSE)
    /\ Commit(src, frame, swap, Spoiled(owF), Forgotten(owF),
              [NoStep EXCEPT !.op = "outsideWrite", !.file = owF, !.pos = owPos, !.data = owData], TRUE)

(* outsideTruncate(f, len): another process cuts or extends f behind the  *)
(* engine's back (to the same length too: mtime moves, the engine sees a  *)
(* change).                                                                *)
OutsideTruncate(otF, otLen) ==
    /\ Bounded
    /\ ~Pending(otF)
    /\ Io(otF, << TruncateCall(otF, otLen) >>, FALSE, FALSE)
    /\ Commit(src, frame, swap, Spoiled(otF), Forgotten(otF),
              [NoStep EXCEPT !.op = "outsideTruncate", !.file = otF, !.len = otLen], TRUE)

(* outsideMetadata(f): another process changes only f's metadata behind   *)
(* the engine's back -- chmod, chown, a link or unlink of another name, an *)
(* xattr, a utimes that puts mtime back.  No byte of f changes, so the     *)
(* engine loses nothing: every snapshot, known byte and isolated copy      *)
(* stays as it was (a change of content is OutsideWrite or                 *)
(* OutsideTruncate).  This is the model-checked form of "a chmod is not a  *)
(* write": RefusalJustified and Refreshed then hold the engine to keeping  *)
(* every byte.                                                            *)
OutsideMetadata(omF) ==
    /\ Bounded
    /\ ~Pending(omF)
    /\ NoIo
    /\ Commit(src, frame, swap, snap, origin, [NoStep EXCEPT !.op = "outsideMetadata", !.file = omF], FALSE)

(* evict(p): a resident page leaves memory.  A dirty page's bytes go to   *)
(* its swap slot; a clean page's are dropped, as its sources re-derive    *)
(* them (a byte whose source is no longer known is lost with it).         *)
Evict(evP) ==
    /\ Bounded
    /\ frame[evP] # Absent
    /\ NoIo
    /\ Commit(src, [frame EXCEPT ![evP] = Absent],
              [swap EXCEPT ![evP] = IF Dirty(src, evP) THEN frame[evP] ELSE Absent], snap, origin,
              [NoStep EXCEPT !.op = "evict", !.page = evP], TRUE)

(* fileSync(f): file.sync(), the fsync of a Persistent file: what readers *)
(* see becomes durable.                                                    *)
FileSync(fyF) ==
    /\ Bounded
    /\ ~Pending(fyF)
    /\ Io(fyF, << IoCall("sync", fyF) >>, TRUE, FALSE)
    /\ Commit(src, frame, swap, snap, origin, [NoStep EXCEPT !.op = "fileSync", !.file = fyF], FALSE)

(* crash(kind, cut): the process dies after call cut of the last step's   *)
(* log (cut = its length: after the step returned; 0 if it made no call).  *)
(* A kill keeps the page cache whole; a power cut keeps what PowerCut      *)
(* allows (keep, chosen here).  Either way the engine's state is lost:    *)
(* segment bytes, frames, swap, snapshots, their preserved blocks and the *)
(* ghost origins go back to Init's.  Files outside Persistent keep their  *)
(* content.  The record's was is the history the crash properties judge   *)
(* the outcome by.                                                         *)
Crash(ckKind, ckCut) ==
    /\ Bounded
    /\ Persistent # {}
    /\ last.op # "crash"
    /\ ckCut \in (IF log = <<>> THEN {0} ELSE 1 .. Len(log))
    /\ \E ckAt \in { Applied(before, SubSeq(log, 1, ckCut)) } :
       \E ckKeep \in (IF ckKind = "kill" THEN {{}} ELSE Keeps(ckAt)) :
       \E ckNow \in { IF ckKind = "kill" THEN ckAt ELSE PowerCut(ckAt, ckKeep) } :
       \E ckReturned \in { ckCut = Len(log) } :
       \E ckSynced \in { IF ckReturned THEN synced ELSE before.synced } :
       \E ckView \in { [ckE \in Persistent |-> Recovered(Now, ckE)] } :
       \E ckOld \in { IF ckReturned THEN ckView ELSE [ckD \in Persistent |-> Recovered(before, ckD)] } :
       \E ckTold \in { (last.op = "write" /\ last.atomic) \/ last.op = "recover" } :
       \E ckWere \in { IF ckReturned THEN interrupted ELSE before.interrupted } :
       /\ file'        = [ckF \in Files |-> IF ckF \in Persistent THEN ckNow.file[ckF] ELSE file[ckF]]
       /\ disk'        = ckNow.disk
       /\ journal'     = ckNow.journal
       /\ opened'      = [ckO \in Persistent |-> FALSE]
       /\ log'         = <<>>
       /\ before'      = Now
       /\ synced'      = ckSynced
       /\ interrupted' = [ckG \in Persistent |->
                            IF ~ckReturned /\ last.op = "write" /\ last.atomic /\ last.file = ckG
                            THEN [cut |-> TRUE, pre |-> before.file[ckG], durable |-> before.disk[ckG],
                                  post |-> file[ckG], power |-> ckKind = "power"]
                            ELSE IF ckWere[ckG].cut
                            THEN [ckWere[ckG] EXCEPT !.power = ckWere[ckG].power \/ ckKind = "power"]
                            ELSE ckWere[ckG]]
       /\ src'         = InitSrc
       /\ frame'       = InitPages
       /\ swap'        = InitPages
       /\ snap'        = InitSnap
       /\ origin'      = InitOrigin
       /\ lost'        = InitLost
       /\ steps'       = steps + 1
       /\ last'        =
            [NoStep EXCEPT !.op = "crash", !.kind = ckKind, !.cut = ckCut, !.keep = ckKeep,
                           !.was = [op |-> last.op, file |-> last.file, atomic |-> last.atomic,
                                    recovery |-> last.recovery, returned |-> ckReturned,
                                    durable |-> IF ckTold THEN before.disk[last.file] ELSE <<>>,
                                    post |-> IF ckTold THEN file[last.file] ELSE <<>>,
                                    promised |->
                                      { <<ckT[1], ckT[2], SeqByte(ckSynced[ckT[1]], ckT[2])>> :
                                          ckT \in { ckU \in Persistent \X (0 .. MaxLen - 1) :
                                                      /\ ckU[2] < Len(ckSynced[ckU[1]])
                                                      /\ ckU[2] < Len(ckOld[ckU[1]])
                                                      /\ ckU[2] < Len(ckView[ckU[1]])
                                                      /\ SeqByte(ckSynced[ckU[1]], ckU[2]) = SeqByte(ckOld[ckU[1]], ckU[2])
                                                      /\ SeqByte(ckOld[ckU[1]], ckU[2]) = SeqByte(ckView[ckU[1]], ckU[2]) } }]]

(* recover(f): the open of a Persistent file after a crash, before       *)
(* anything else reads or writes it.  By Outcome: a committed, trusted    *)
(* journal is replayed, one not committed discarded, either way removed   *)
(* durably; with no journal seen the directory is fsynced                 *)
(* (RecoveryCalls); a committed journal that cannot be trusted is refused *)
(* (EJOURNALCORRUPT) and left where it is, the file not opened.  Its      *)
(* calls are logged like any step's, so a crash can fall inside it.       *)
(* Replaying writes the same bytes at the same offsets: a crash inside    *)
(* recovery, then recovery, gives the same file.                          *)
Recover(rvF) ==
    /\ Bounded
    /\ Pending(rvF)
    /\ \E rvOutcome \in { Outcome(journal[rvF], file[rvF]) } :
       LET rvRec == [NoStep EXCEPT !.op = "recover", !.file = rvF] IN
       IF rvOutcome = "corrupt"
       THEN NoIo /\ Refused(rvRec, "EJOURNALCORRUPT")
       ELSE /\ Io(rvF, RecoveryCalls(rvF, journal[rvF], rvOutcome), FALSE, TRUE)
            /\ Commit(src, frame, swap, snap, origin, [rvRec EXCEPT !.recovery = rvOutcome], FALSE)

(* The lengths of a read, write, zero or refresh at address a: up to the  *)
(* segment's end, and zero-length calls at address 0 only (where in the   *)
(* segment a call of nothing starts does not matter to it; where in the   *)
(* file it points does, so those positions all stay).                     *)
Lengths(lnA) == (IF lnA = 0 THEN 0 ELSE 1) .. P * B - lnA

(* Another writer's data: 1..MaxWrite bytes.                              *)
WriteData == UNION { [1 .. nwD -> Vals] : nwD \in 1 .. MaxWrite }

(* Next quantifies only over sets fixed by the constants, so that TLC     *)
(* splits it into one action per operator and argument tuple and labels   *)
(* each edge of its state graph with them (Read(f1,0,0,2)); conformance   *)
(* replays edges from those labels.  Calls of nothing, positions past EOF *)
(* and truncates to the current length are edges too.                     *)
Next ==
       \/ \E nxF \in Files, nxPos \in 0 .. MaxLen, nxA \in Addrs : \E nxN \in Lengths(nxA) :
            Read(nxF, nxPos, nxA, nxN)
       \/ \E nxLa \in Addrs : Load(nxLa)
       \/ \E nxBa \in Addrs, nxBw \in BOOLEAN : \E nxBn \in 1 .. B - (nxBa % B) : Bytes(nxBa, nxBn, nxBw)
       \/ \E nxCa \in Addrs : \E nxCn \in Lengths(nxCa) : CopyOut(nxCa, nxCn)
       \/ \E nxPp \in Pages : \E nxPn \in 1 .. P - nxPp : Prefetch(nxPp, nxPn)
       \/ \E nxSa \in Addrs, nxV \in Vals : Store(nxSa, nxV)
       \/ \E nxWf \in Files, nxWa \in Addrs : \E nxWn \in Lengths(nxWa) :
            \E nxWp \in 0 .. MaxLen - nxWn, nxRb \in BOOLEAN, nxSy \in Syncs, nxAt \in Atomics :
                Write(nxWa, nxWn, nxWf, nxWp, nxRb, nxSy, nxAt)
       \/ \E nxZa \in Addrs : \E nxZn \in Lengths(nxZa) : Zero(nxZa, nxZn)
       \/ \E nxRa \in Addrs : \E nxRn \in Lengths(nxRa) : Refresh(nxRa, nxRn)
       \/ \E nxFf \in Foreign, nxD \in WriteData : \E nxFp \in 0 .. MaxLen - Len(nxD) :
            FileWrite(nxFf, nxFp, nxD)
       \/ \E nxTf \in Foreign, nxTl \in 0 .. MaxLen : FileTruncate(nxTf, nxTl)
       \/ \E nxOf \in Outside, nxOd \in WriteData : \E nxOp \in 0 .. MaxLen - Len(nxOd) :
            OutsideWrite(nxOf, nxOp, nxOd)
       \/ \E nxUf \in Outside, nxUl \in 0 .. MaxLen : OutsideTruncate(nxUf, nxUl)
       \/ \E nxMf \in Outside : OutsideMetadata(nxMf)
       \/ \E nxEp \in Pages : Evict(nxEp)
       \/ \E nxYf \in Persistent : FileSync(nxYf)
       \/ \E nxKk \in {"kill", "power"}, nxKc \in 0 .. MaxCalls : Crash(nxKk, nxKc)
       \/ \E nxVf \in Persistent : Recover(nxVf)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Invariants.  model/ and impl/ check the same list.  What the program   *)
(* sees is not among them: that is the refinement (Refinement.tla).       *)

(* TypeOK: every variable has the shape described above.                  *)
IsBytes(ibS, ibN) == Len(ibS) = ibN /\ \A ibI \in 1 .. ibN : ibS[ibI] \in Vals
IsSlot(isS) == isS = Absent \/ IsBytes(isS, B)
Offs == 0 .. MaxLen - 1
TypeOK ==
    /\ \A toA \in Addrs :
          \/ src[toA] = ZeroSrc \/ src[toA] = AnonSrc
          \/ src[toA].kind = "Snap" /\ src[toA].snap \in SnapIds /\ src[toA].off \in Offs
    /\ \A toP \in Pages : IsSlot(frame[toP]) /\ IsSlot(swap[toP])
    /\ \A toS \in SnapIds :
          /\ snap[toS].file \in Files \cup {NoFile}
          /\ \A toB \in Blocks : IsSlot(snap[toS].preserved[toB])
          /\ snap[toS].stale \in BOOLEAN /\ snap[toS].fresh \in BOOLEAN
          /\ Len(snap[toS].copy) <= MaxLen /\ IsBytes(snap[toS].copy, Len(snap[toS].copy))
    /\ \A toF \in Files : Len(file[toF]) <= MaxLen /\ IsBytes(file[toF], Len(file[toF]))
    /\ \A toG \in Addrs :
          \/ origin[toG] = NoOrigin
          \/ (origin[toG].file \in Files /\ origin[toG].off \in Offs
              /\ origin[toG].fact \in {"intact", "neighbour", "saved", "gone", "doubtful"})
    /\ \A toL \in Addrs : lost[toL] \in Vals
    /\ last.err \in {"none", "FileChangedError", "EJOURNALCORRUPT"}
    /\ last.kind \in {"none", "kill", "power"} /\ last.cut \in 0 .. MaxCalls
    /\ last.recovery \in {"none", "replayed", "discarded"}
    /\ \A toD \in Persistent :
          /\ Len(disk[toD]) <= MaxLen /\ IsBytes(disk[toD], Len(disk[toD]))
          /\ Len(synced[toD]) <= MaxLen /\ IsBytes(synced[toD], Len(synced[toD]))
          /\ journal[toD].exists \in BOOLEAN /\ journal[toD].named \in BOOLEAN
          /\ journal[toD].synced \in 0 .. Len(journal[toD].records)
          /\ opened[toD] \in BOOLEAN
          /\ interrupted[toD].cut \in BOOLEAN /\ interrupted[toD].power \in BOOLEAN
    /\ Len(log) <= MaxCalls
    /\ IsBytes(last.out, Len(last.out))
    /\ last.wrote \subseteq Offs /\ last.needed \subseteq Offs /\ last.excused \subseteq Offs
    /\ last.bound \subseteq SnapIds \X Offs /\ last.preserved \subseteq SnapIds \X Blocks
    /\ last.reread \subseteq Addrs \X Files \X Offs
    /\ last.lapsed \subseteq Addrs \X Files \X Offs /\ last.doubted \subseteq Addrs \X Files \X Offs
    /\ last.offered \subseteq SnapIds \X Files
    /\ steps \in 0 .. MaxSteps

(* FrameCoherent: a resident byte that is not Anon and whose source is     *)
(* still known equals its source, so dropping a clean frame (evict) loses *)
(* nothing the engine could not re-derive.                                 *)
FrameCoherent ==
    \A fcP \in Pages : frame[fcP] # Absent =>
        \A fcA \in PageAddrs(fcP) :
            (src[fcA].kind # "Anon" /\ KnownUnder(src, [fcQ \in Pages |-> Absent], snap, fcA))
                => frame[fcP][(fcA % B) + 1] = SrcVal(src[fcA])

(* AnonBacked: an Anon byte's only copy is in its frame or its swap slot. *)
AnonBacked ==
    \A abA \in Addrs : src[abA].kind = "Anon" =>
        frame[PageOf(abA)] # Absent \/ swap[PageOf(abA)] # Absent

(* SwapOnlyDirty: a swap slot belongs to a dirty page that is not         *)
(* resident -- a resident page's frame is the newer copy, and a clean page *)
(* re-derives its bytes from its sources.                                  *)
SwapOnlyDirty ==
    \A soP \in Pages : swap[soP] # Absent => (frame[soP] = Absent /\ Dirty(src, soP))

(* NoDangling: every byte bound to a snapshot names an allocated one.     *)
NoDangling ==
    \A ndA \in Addrs : src[ndA].kind = "Snap" => snap[src[ndA].snap].file # NoFile

(* NoLeak: every allocated snapshot is live, every preserved block is     *)
(* referenced, and a free id holds nothing.                               *)
NoLeak ==
    \A nlS \in SnapIds :
        /\ snap[nlS].file # NoFile => Live(src, nlS)
        /\ snap[nlS].file = NoFile => snap[nlS] = FreeSnap
        /\ \A nlB \in Blocks : snap[nlS].preserved[nlB] # Absent => nlB \in Refs(src, nlS)

(* The addresses a step bound to a snapshot: the bytes a read read, a     *)
(* rebinding write wrote, a refresh re-read.                               *)
Rebound ==
    CASE last.op = "read"    -> last.addr .. last.addr + last.ret - 1
      [] last.op = "write"   -> IF last.rebind /\ last.err = "none" THEN last.addr .. last.addr + last.len - 1 ELSE {}
      [] last.op = "refresh" -> { rbT[1] : rbT \in last.reread }
      [] OTHER               -> {}

(* Lazy (efficiency, from the step record, judged by the ghost origins,   *)
(* which name no snapshot):                                                *)
(*  - read, zero, copyOut and refresh never fault a page in;              *)
(*  - a write writes every byte whose origin does not vouch for it        *)
(*    (needed), and nothing else except bytes whose block saw a change at *)
(*    another offset (excused: copy-before-write works on whole blocks);  *)
(*  - a change preserves a block of a snapshot only if a byte was bound   *)
(*    to an offset of that block that the change wrote or cut;            *)
(*  - a prefetch does its work: every page of its range is resident       *)
(*    afterwards up to the first page holding a byte of which no copy     *)
(*    survives (NoCopy; the spec's frame budget is the whole segment, the *)
(*    engine's smaller one is policy, outside the proof);                 *)
(*  - a step that binds bytes to a snapshot reuses: where some live       *)
(*    snapshot could serve the binding (offered, judged before the step), *)
(*    it binds to the lowest of them, so two reads of the same unchanged  *)
(*    range share one snapshot (and one copy-before-write of its blocks).  *)
(* That a write skips nothing it must write, and that copy-before-write   *)
(* saves enough, is the refinement's to say.                              *)
Lazy ==
    /\ last.op \in {"read", "zero", "copyOut", "refresh"} => ~last.fault
    /\ (last.op = "write" /\ last.err = "none") =>
          (last.needed \subseteq last.wrote /\ last.wrote \subseteq last.needed \cup last.excused)
    /\ \A lzP \in last.preserved :
          \E lzB \in last.bound : lzB[1] = lzP[1] /\ BlockOf(lzB[2]) = lzP[2]
    /\ last.op = "prefetch" =>
          \A lzQ \in last.page .. last.page + last.len - 1 :
              (\A lzR \in last.page .. lzQ : \A lzX \in PageAddrs(lzR) : ~NoCopy(lzX)) => frame[lzQ] # Absent
    /\ \A lzS \in { src[lzY].snap : lzY \in Rebound } :
          \E lzC \in { { lzO[1] : lzO \in { lzU \in last.offered : lzU[2] = snap[lzS].file } } } :
              lzC # {} => lzS = Lowest(lzC)

(* RefusalJustified: a step is refused (FileChangedError) only when no    *)
(* copy survives anywhere of a byte it has to copy -- a byte of the page a *)
(* load, store or view must fault in, or a byte a write or copyOut must    *)
(* copy.  Judged by the history (NoCopy: the ghost facts and residency),   *)
(* not by Known, which the mechanism computes: a refusal where a preserved *)
(* block, a private copy, the unchanged file or memory still holds the     *)
(* byte is a wrong refusal, though the refinement allows any refusal.     *)
(* That what is returned otherwise is the conventional byte is the        *)
(* refinement's to say (Refinement.tla maps the step record to            *)
(* Conventional's call).                                                   *)
RefusalJustified ==
    last.err = "FileChangedError" =>
        IF last.op \in {"load", "store", "bytes"}
        THEN \E rjA \in PageAddrs(PageOf(last.addr)) : NoCopy(rjA)
        ELSE last.op \in {"write", "copyOut"} /\ \E rjI \in 0 .. last.len - 1 : NoCopy(last.addr + rjI)

(* Kept: a value copy-before-write had to put aside (fact "saved") is      *)
(* still held, for as long as its byte is bound: by the preserved block of *)
(* the snapshot the byte is bound to, at the offset it came from, or by    *)
(* the snapshot's private copy.  So a preserved block still in use is      *)
(* never dropped -- not by release, not when the file changes behind the  *)
(* engine's back.  (That it never changes is the refinement's to say: a    *)
(* known byte's value is what the program's memory holds.)                *)
Kept ==
    \A kpA \in Addrs : origin[kpA].fact = "saved" =>
        /\ src[kpA].kind = "Snap"
        /\ src[kpA].off = origin[kpA].off
        /\ snap[src[kpA].snap].file = origin[kpA].file
        /\ \/ snap[src[kpA].snap].file \in Isolated
           \/ snap[src[kpA].snap].preserved[BlockOf(src[kpA].off)] # Absent

(* Refreshed: a refresh re-reads exactly what was lost, by the history: it *)
(* re-reads every byte of its range whose value is gone for certain       *)
(* (lapsed) and that its file still covers, from the offset it came from, *)
(* and nothing else but bytes whose value may be gone (doubted: whether    *)
(* its block was put aside for another byte is the mechanism's business). *)
(* A byte with a surviving copy is never re-read: the program keeps its   *)
(* value, as it keeps every byte after a change of metadata.               *)
Refreshed ==
    last.op = "refresh" =>
        /\ last.lapsed \subseteq last.reread
        /\ last.reread \subseteq last.lapsed \cup last.doubted
-----------------------------------------------------------------------------
(* Crashes.  Judged by the file the next open shows (Recovered: what       *)
(* recovery makes of the file system after the crash, the file the        *)
(* refinement maps to) against the history the crash record keeps (was):  *)
(* never by the mechanism's own expressions for the journal or the calls. *)

(* Mixed(s, d, v): s is a file a power cut could leave of one whose       *)
(* durable content was d and whose content as readers saw it was v: each  *)
(* block d's or v's below s's length, and the length one of theirs.       *)
Mixed(mdS, mdD, mdV) ==
    /\ Len(mdS) \in {Len(mdD), Len(mdV)}
    /\ \A mdB \in Blocks :
          \/ \A mdO \in mdB * B .. mdB * B + B - 1 : mdO < Len(mdS) => SeqByte(mdS, mdO) = SeqByte(mdD, mdO)
          \/ \A mdP \in mdB * B .. mdB * B + B - 1 : mdP < Len(mdS) => SeqByte(mdS, mdP) = SeqByte(mdV, mdP)

(* Durable: what a file held when an fsync (a call promising durability)  *)
(* returned survives any crash, except bytes changed since: every byte    *)
(* the crash record promises is in the file the next open shows.          *)
Durable ==
    last.op = "crash" =>
        \A duT \in last.was.promised :
            \E duS \in { Recovered(Now, duT[1]) } : duT[2] < Len(duS) /\ duS[duT[2] + 1] = duT[3]

(* AtomicWriteBack: after a crash at any point of an atomic write-back,   *)
(* and after any crash inside the recoveries that follow until one        *)
(* returns, recovery succeeds (no EJOURNALCORRUPT) and the file is exactly *)
(* as after the write-back, or exactly as before it: as a crash at its    *)
(* start would have left it (its content then if only kills have fallen   *)
(* since, else each block its content or its durable content then).  Once *)
(* the call has returned, exactly as after it.  Judged by the ghost        *)
(* interrupted and the crash record.                                       *)
AtomicWriteBack ==
    last.op = "crash" =>
        /\ (last.was.op = "write" /\ last.was.atomic /\ last.was.returned) =>
              /\ Outcome(journal[last.was.file], file[last.was.file]) # "corrupt"
              /\ Recovered(Now, last.was.file) = last.was.post
        /\ \A awbF \in Persistent : interrupted[awbF].cut =>
              \E awbS \in { Recovered(Now, awbF) } : \E awbI \in { interrupted[awbF] } :
              /\ Outcome(journal[awbF], file[awbF]) # "corrupt"
              /\ \/ awbS = awbI.post
                 \/ IF awbI.power THEN Mixed(awbS, awbI.durable, awbI.pre) ELSE awbS = awbI.pre

(* RecoveryIdempotent: a crash inside (or after) a recovery, then          *)
(* recovery, gives the file that recovery gave without the crash: exactly *)
(* after a replay (it fsyncs) or a kill; after a power cut inside a        *)
(* recovery that replayed nothing, what a power cut leaves of that file.  *)
RecoveryIdempotent ==
    (last.op = "crash" /\ last.was.op = "recover") =>
        \E riS \in { Recovered(Now, last.was.file) } :
        /\ Outcome(journal[last.was.file], file[last.was.file]) # "corrupt"
        /\ IF last.kind = "kill" \/ last.was.recovery = "replayed" THEN riS = last.was.post
           ELSE Mixed(riS, last.was.durable, last.was.post)

(* NoGhostReplay: recovery would replay a journal only if it is the one an *)
(* atomic write-back cut by a crash left (by the ghost interrupted): never *)
(* one whose write-back returned, nor one a finished recovery removed.     *)
NoGhostReplay ==
    \A ngF \in Persistent : Outcome(journal[ngF], file[ngF]) = "replayed" => interrupted[ngF].cut
=============================================================================
