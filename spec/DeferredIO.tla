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
    MaxSteps    \* explicit limit: behaviours are at most MaxSteps steps long

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

VARIABLES
    src,    \* src[a]: where segment byte a comes from (Zero, Snap(s, o), Anon)
    frame,  \* frame[p]: the B resident bytes of page p, or Absent
    swap,   \* swap[p]: page p's swap slot (B bytes), or Absent
    snap,   \* snap[s]: snapshot id s: file, preserved blocks, stale, fresh, copy
    file,   \* file[f]: the file's current content, a sequence of bytes
    origin, \* ghost: where each byte's value came from, and where it survives
    lost,   \* history: the value a byte held when the engine lost it (for Mem)
    last,   \* the step record: the step just taken, its arguments and results
    steps   \* how many steps the behaviour has taken

vars == <<src, frame, swap, snap, file, origin, lost, last, steps>>

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
(*   err: "FileChangedError" where the step was refused, else "none";     *)
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
(*          before the step.                                               *)
NoStep == [op |-> "init", addr |-> 0, len |-> 0, file |-> NoFile, pos |-> 0,
           val |-> 0, data |-> <<>>, page |-> 0, rebind |-> FALSE, writable |-> FALSE,
           ret |-> 0, out |-> <<>>, err |-> "none", fault |-> FALSE, written |-> 0, skipped |-> 0,
           wrote |-> {}, needed |-> {}, excused |-> {}, bound |-> {}, preserved |-> {},
           reread |-> {}, lapsed |-> {}, doubted |-> {}, offered |-> {}]

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

(* Refuse: the engine raised FileChangedError rather than copy a byte it  *)
(* no longer knows; nothing changed.                                       *)
Refuse(rfRec) ==
    /\ UNCHANGED <<src, frame, swap, snap, file, origin, lost>>
    /\ last'  = [rfRec EXCEPT !.err = "FileChangedError"]
    /\ steps' = steps + 1

-----------------------------------------------------------------------------
(* Initial state: every byte Zero, nothing resident or swapped, no         *)
(* snapshot, no origin, every file InitLen bytes of any content.          *)
Init ==
    /\ src    = [inA \in Addrs |-> ZeroSrc]
    /\ frame  = [inP \in Pages |-> Absent]
    /\ swap   = [inQ \in Pages |-> Absent]
    /\ snap   = [inS \in SnapIds |-> FreeSnap]
    /\ file   \in [Files -> [1 .. InitLen -> Vals]]
    /\ origin = [inO \in Addrs |-> NoOrigin]
    /\ lost   = [inL \in Addrs |-> 0]
    /\ last   = NoStep
    /\ steps  = 0

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
    IN  /\ UNCHANGED file
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
    IN  /\ UNCHANGED file
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
    IN  /\ UNCHANGED file
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
    IN  /\ UNCHANGED file
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
    /\ UNCHANGED file
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
    /\ UNCHANGED file
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
Write(wrA, wrN, wrF, wrPos, wrRebind) ==
    Bounded /\
    LET wrLen    == IF wrN = 0 THEN Len(file[wrF]) ELSE Max(Len(file[wrF]), wrPos + wrN)
        wrBlocks == { BlockOf(wrU) : wrU \in wrPos .. wrPos + wrN - 1 }
        wrIn(wrX) == wrA <= wrX /\ wrX < wrA + wrN
        wrRec    == [NoStep EXCEPT !.op = "write", !.addr = wrA, !.len = wrN, !.file = wrF,
                                   !.pos = wrPos, !.rebind = wrRebind]
    IN
    /\ wrPos + wrN <= MaxLen
    /\ \E wrNeed \in { { wrI \in 0 .. wrN - 1 : ~Provable(wrA, wrF, wrPos, wrI) } } :
       IF \E wrJ \in wrNeed : ~Known(wrA + wrJ)
       THEN Refuse(wrRec)
       ELSE
       \E wrOffs \in { { wrPos + wrJ : wrJ \in wrNeed } } :
       \E wrNew \in { Patched(file[wrF], [wrO \in wrOffs |-> View(wrA + wrO - wrPos)], wrLen) } :
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
       /\ file' = [file EXCEPT ![wrF] = wrNew]
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
    IN  /\ UNCHANGED file
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
    /\ UNCHANGED file
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
    /\ file' = [file EXCEPT ![fwF] = Patched(file[fwF], [fwO \in fwOffs |-> fwData[fwO - fwPos + 1]],
                                             Max(Len(file[fwF]), fwPos + Len(fwData)))]
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
    /\ file' = [file EXCEPT ![ftF] = Patched(file[ftF], [ftO \in {} |-> 0], ftLen)]
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
    /\ file' = [file EXCEPT ![owF] = Patched(file[owF], [owO \in owPos .. owPos + Len(owData) - 1 |->
                                                             owData[owO - owPos + 1]],
                                             Max(Len(file[owF]), owPos + Len(owData)))]
    /\ Commit(src, frame, swap, Spoiled(owF), Forgotten(owF),
              [NoStep EXCEPT !.op = "outsideWrite", !.file = owF, !.pos = owPos, !.data = owData], TRUE)

(* outsideTruncate(f, len): another process cuts or extends f behind the  *)
(* engine's back (to the same length too: mtime moves, the engine sees a  *)
(* change).                                                                *)
OutsideTruncate(otF, otLen) ==
    /\ Bounded
    /\ file' = [file EXCEPT ![otF] = Patched(file[otF], [otO \in {} |-> 0], otLen)]
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
    /\ UNCHANGED file
    /\ Commit(src, frame, swap, snap, origin, [NoStep EXCEPT !.op = "outsideMetadata", !.file = omF], FALSE)

(* evict(p): a resident page leaves memory.  A dirty page's bytes go to   *)
(* its swap slot; a clean page's are dropped, as its sources re-derive    *)
(* them (a byte whose source is no longer known is lost with it).         *)
Evict(evP) ==
    /\ Bounded
    /\ frame[evP] # Absent
    /\ UNCHANGED file
    /\ Commit(src, [frame EXCEPT ![evP] = Absent],
              [swap EXCEPT ![evP] = IF Dirty(src, evP) THEN frame[evP] ELSE Absent], snap, origin,
              [NoStep EXCEPT !.op = "evict", !.page = evP], TRUE)

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
            \E nxWp \in 0 .. MaxLen - nxWn, nxRb \in BOOLEAN :
                Write(nxWa, nxWn, nxWf, nxWp, nxRb)
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
    /\ last.err \in {"none", "FileChangedError"}
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
=============================================================================
