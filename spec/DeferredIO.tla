----------------------------- MODULE DeferredIO -----------------------------
(***************************************************************************)
(* Deferred I/O: read() binds a segment's bytes to a copy-on-write        *)
(* snapshot of a file instead of copying them; a page is copied only when *)
(* the program first touches it; a store detaches the page; write() skips *)
(* every byte provably already in the file; any other change to a file    *)
(* first preserves (copy-before-write) the blocks live snapshots still    *)
(* reference.  The program must not be able to tell any of this from      *)
(* conventional eager-copy read(2)/write(2): the ghost variables mem and  *)
(* cfile run the conventional semantics beside the deferred one and the   *)
(* invariant Equivalence says the two always agree.                       *)
(*                                                                         *)
(* The semantic contract is ../../shared/DESIGN.md; this module states it *)
(* in checkable form, and model/ and impl/ use the same names.            *)
(*                                                                         *)
(* Two notes for the wasm checker (tla-checker 0.9.0), harmless for TLC:  *)
(*  - every operator parameter and bound variable carries a prefix unique  *)
(*    in the module (rdF, wrPos, ...): it recurses forever when an         *)
(*    argument expression mentions a name equal to one of the callee's     *)
(*    parameter names;                                                     *)
(*  - it evaluates LET definitions and operator arguments by name, once    *)
(*    per use, so a costly value used more than once is bound once with    *)
(*    \E x \in {e} : ... (a one-element set: no branching).               *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Files,      \* the files: model values
    Foreign,    \* the files another writer changes (a subset of Files)
    NoFile,     \* a model value: the file of an unallocated snapshot id
    B,          \* page size = file block size, in bytes
    P,          \* pages in the segment
    MaxLen,     \* explicit limit: no file grows past MaxLen bytes
    InitLen,    \* every file starts InitLen bytes long, with any content
    Vals,       \* the byte values
    MaxSnap,    \* explicit limit: snapshot ids are 1..MaxSnap
    MaxWrite,   \* explicit limit: another writer writes at most MaxWrite bytes
    MaxSteps    \* explicit limit: behaviours are at most MaxSteps steps long

ASSUME /\ Foreign \subseteq Files /\ NoFile \notin Files
       /\ B \in Nat \ {0} /\ P \in Nat \ {0}
       /\ InitLen \in 0..MaxLen /\ MaxSnap \in Nat \ {0}
       /\ MaxWrite \in Nat \ {0} /\ MaxSteps \in Nat /\ 0 \in Vals

VARIABLES
    src,    \* src[a]: where segment byte a comes from (Zero, Snap(s, o), Anon)
    frame,  \* frame[p]: the B resident bytes of page p, or Absent
    swap,   \* swap[p]: page p's swap slot (B bytes), or Absent
    snap,   \* snap[s]: snapshot id s: its file and its preserved blocks
    file,   \* file[f]: the file's current content, a sequence of bytes
    mem,    \* ghost: the segment as conventional eager-copy I/O would hold it
    cfile,  \* ghost: the files as conventional I/O would leave them
    last,   \* the step record: the step just taken, its arguments and results
    steps   \* how many steps the behaviour has taken

vars == <<src, frame, swap, snap, file, mem, cfile, last, steps>>

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

NoPreserved == [npB \in Blocks |-> Absent]
FreeSnap    == [file |-> NoFile, preserved |-> NoPreserved]
NewSnap(nsF) == [file |-> nsF, preserved |-> NoPreserved]

-----------------------------------------------------------------------------
(* Derived values.                                                         *)

(* Byte o of a byte sequence; past its end a file reads as zero.          *)
SeqByte(sqS, sqO) == IF sqO < Len(sqS) THEN sqS[sqO + 1] ELSE 0
FileByte(fbF, fbO) == SeqByte(file[fbF], fbO)
BlockBytes(bbF, bbB) == [bbI \in 1 .. B |-> FileByte(bbF, bbB * B + bbI - 1)]

(* SnapByte(s, o): byte o of snapshot s -- the preserved copy of its block *)
(* if copy-before-write saved one, else the file's current byte.  An       *)
(* unallocated id reads as 0 so that View stays total; NoDangling is what  *)
(* rules such a read out.                                                  *)
SnapByte(sbS, sbO) ==
    LET sbPres == snap[sbS].preserved[BlockOf(sbO)]
    IN  IF snap[sbS].file = NoFile THEN 0
        ELSE IF sbPres # Absent THEN sbPres[(sbO % B) + 1]
        ELSE FileByte(snap[sbS].file, sbO)

(* The value a non-Anon source stands for.                                *)
SrcVal(svX) == IF svX.kind = "Snap" THEN SnapByte(svX.snap, svX.off) ELSE 0

(* View(a): what a load of address a returns -- the frame if the page is  *)
(* resident, else the byte's source (an Anon byte lives in the swap slot). *)
View(vwA) ==
    LET vwP == PageOf(vwA) IN
    IF frame[vwP] # Absent THEN frame[vwP][(vwA % B) + 1]
    ELSE IF src[vwA].kind = "Anon"
         THEN IF swap[vwP] # Absent THEN swap[vwP][(vwA % B) + 1] ELSE 0
         ELSE SrcVal(src[vwA])

(* The B bytes page p holds: what a fault-in puts in its frame.           *)
PageView(pvP) == [pvI \in 1 .. B |-> View(pvP * B + pvI - 1)]

(* A page is dirty iff one of its bytes is Anon (under source map dySrc). *)
Dirty(dySrc, dyP) == \E dyA \in PageAddrs(dyP) : dySrc[dyA].kind = "Anon"

(* Live(s): some byte is bound to snapshot s.  Refs(s): the blocks of s's  *)
(* file that bytes are bound to.                                           *)
Live(lvSrc, lvS) == \E lvA \in Addrs : lvSrc[lvA].kind = "Snap" /\ lvSrc[lvA].snap = lvS
Refs(rfSrc, rfS) ==
    { BlockOf(rfSrc[rfA].off) :
        rfA \in { rfX \in Addrs : rfSrc[rfX].kind = "Snap" /\ rfSrc[rfX].snap = rfS } }

(* Snapshot choice shared by read and rebinding write: the lowest-id       *)
(* snapshot of file f, live under the current binding, with no block of   *)
(* the range preserved in snapshot table csSnap; else the lowest free id.  *)
(* Free is judged before this step releases anything.                     *)
Reusable(ruSnap, ruF, ruBlocks) ==
    { ruS \in SnapIds : /\ Live(src, ruS)
                        /\ ruSnap[ruS].file = ruF
                        /\ \A ruB \in ruBlocks : ruSnap[ruS].preserved[ruB] = Absent }
FreeIds(fiSnap) == { fiS \in SnapIds : fiSnap[fiS].file = NoFile }
CanBind(cbSnap, cbF, cbBlocks) ==
    Reusable(cbSnap, cbF, cbBlocks) \cup FreeIds(cbSnap) # {}
ChosenSnap(chSnap, chF, chBlocks) ==
    IF Reusable(chSnap, chF, chBlocks) # {} THEN Lowest(Reusable(chSnap, chF, chBlocks))
    ELSE Lowest(FreeIds(chSnap))
(* The snapshot table once the chosen id is allocated (if it was free).    *)
WithSnap(wsSnap, wsS, wsF) ==
    IF wsSnap[wsS].file = NoFile THEN [wsSnap EXCEPT ![wsS] = NewSnap(wsF)] ELSE wsSnap

-----------------------------------------------------------------------------
(* File changes.  Every change to a file -- a segment's write-back or      *)
(* another writer's write or truncate -- goes through Touched,             *)
(* CopyBeforeWrite and Patched.                                            *)

(* Explicit limit: behaviours end after MaxSteps steps.  Every action     *)
(* checks it first (rather than Next) so that TLC still sees Next as a     *)
(* disjunction of named actions and labels each edge with its action.     *)
Bounded == steps < MaxSteps

(* The blocks a change of file f changes: those of the offsets it writes, *)
(* every block holding a byte at or past a shorter new length, and, when  *)
(* the file grows, the block that held its old end.                       *)
Touched(tcF, tcOffs, tcNewLen) ==
    LET tcLen == Len(file[tcF]) IN
    { BlockOf(tcO) : tcO \in tcOffs }
    \cup { BlockOf(tcU) : tcU \in tcNewLen .. tcLen - 1 }
    \cup (IF tcNewLen > tcLen /\ tcLen > 0 THEN { BlockOf(tcLen - 1) } ELSE {})

(* Copy-before-write: every live snapshot of file f that references a      *)
(* touched block and has not preserved it saves the block's current bytes. *)
(* This is what keeps snapshots -- and so every deferred byte -- stable.   *)
CopyBeforeWrite(cwF, cwBlocks) ==
    [cwS \in SnapIds |->
        IF snap[cwS].file # cwF THEN snap[cwS]
        ELSE [snap[cwS] EXCEPT !.preserved =
                [cwB \in Blocks |->
                    IF /\ cwB \in cwBlocks
                       /\ cwB \in Refs(src, cwS)
                       /\ snap[cwS].preserved[cwB] = Absent
                    THEN BlockBytes(cwF, cwB)
                    ELSE snap[cwS].preserved[cwB]]]]

(* Content ptSeq with the bytes of function ptW (offset -> value) written, *)
(* cut or zero-extended to ptLen bytes.                                    *)
Patched(ptSeq, ptW, ptLen) ==
    [ptI \in 1 .. ptLen |-> IF ptI - 1 \in DOMAIN ptW THEN ptW[ptI - 1]
                            ELSE SeqByte(ptSeq, ptI - 1)]

-----------------------------------------------------------------------------
(* Release and commit.  Every action ends with Commit: it installs the new *)
(* binding and releases what that binding no longer needs -- a snapshot no *)
(* byte is bound to, a preserved block no byte references, and the swap    *)
(* slot of a page with no Anon byte.                                       *)

Release(rlSrc, rlSnap) ==
    [rlS \in SnapIds |->
        IF ~Live(rlSrc, rlS) THEN FreeSnap
        ELSE [rlSnap[rlS] EXCEPT !.preserved =
                [rlB \in Blocks |-> IF rlB \in Refs(rlSrc, rlS)
                                    THEN rlSnap[rlS].preserved[rlB] ELSE Absent]]]

SwapKept(skSrc, skSwap) ==
    [skP \in Pages |-> IF Dirty(skSrc, skP) THEN skSwap[skP] ELSE Absent]

(* The step record.  Every field is present in every step (0, FALSE,      *)
(* NoFile or <<>> where it does not apply), so records compare and print  *)
(* uniformly.  fault: a page became resident in this step; needed: the    *)
(* bytes of a write that are not provably in the file already.            *)
NoStep == [op |-> "init", addr |-> 0, len |-> 0, file |-> NoFile, pos |-> 0,
           val |-> 0, data |-> <<>>, page |-> 0, rebind |-> FALSE,
           ret |-> 0, fault |-> FALSE, written |-> 0, skipped |-> 0, needed |-> 0]

(* Commit ends every action: it installs the new binding, frames, swap     *)
(* slots and snapshot table, releases what is no longer needed, and        *)
(* records the step.                                                       *)
Commit(cmSrc, cmFrame, cmSwap, cmSnap, cmRec) ==
    \E cmS \in {cmSrc}, cmF \in {cmFrame}, cmW \in {cmSwap}, cmT \in {cmSnap} :
    /\ src'   = cmS
    /\ frame' = cmF
    /\ swap'  = SwapKept(cmS, cmW)
    /\ snap'  = Release(cmS, cmT)
    /\ last'  = [cmRec EXCEPT !.fault =
                    \E cmP \in Pages : cmF[cmP] # Absent /\ frame[cmP] = Absent]
    /\ steps' = steps + 1

-----------------------------------------------------------------------------
(* Initial state: every byte Zero, nothing resident or swapped, no         *)
(* snapshot, every file InitLen bytes of any content.                     *)
Init ==
    /\ src   = [inA \in Addrs |-> ZeroSrc]
    /\ frame = [inP \in Pages |-> Absent]
    /\ swap  = [inQ \in Pages |-> Absent]
    /\ snap  = [inS \in SnapIds |-> FreeSnap]
    /\ file  \in [Files -> [1 .. InitLen -> Vals]]
    /\ cfile = file
    /\ mem   = [inM \in Addrs |-> 0]
    /\ last  = NoStep
    /\ steps = 0

-----------------------------------------------------------------------------
(* read(f, pos, a, n): returns k = min(n, len - pos) (pos <= len here: a   *)
(* read past EOF is the same as one at EOF).  Bytes a..a+k-1 are bound to  *)
(* offsets pos..pos+k-1 of the chosen snapshot.  No data moves: a page    *)
(* entirely covered drops its frame and swap slot; a resident page only   *)
(* partly covered has just the covered bytes refreshed from the file (the *)
(* fragment copy; the file's bytes are the snapshot's, as nothing of the  *)
(* range is preserved in the chosen snapshot).  A read that needs a new   *)
(* snapshot when all MaxSnap ids are taken is beyond the model's bounds.  *)
Read(rdF, rdPos, rdA, rdN) ==
    Bounded /\
    LET rdK      == Min(rdN, Len(file[rdF]) - rdPos)
        rdBlocks == { BlockOf(rdO) : rdO \in rdPos .. rdPos + rdK - 1 }
        rdRec    == [NoStep EXCEPT !.op = "read", !.file = rdF, !.pos = rdPos,
                                   !.addr = rdA, !.len = rdN, !.ret = rdK]
        rdIn(rdX)   == rdA <= rdX /\ rdX < rdA + rdK
        rdFull(rdP) == \A rdY \in PageAddrs(rdP) : rdIn(rdY)
    IN  /\ rdPos <= Len(file[rdF])
        /\ UNCHANGED <<file, cfile>>
        /\ IF rdK = 0
           THEN /\ UNCHANGED mem
                /\ Commit(src, frame, swap, snap, rdRec)
           ELSE /\ CanBind(snap, rdF, rdBlocks)
                /\ mem' = [rdM \in Addrs |-> IF rdIn(rdM) THEN SeqByte(cfile[rdF], rdPos + rdM - rdA)
                                             ELSE mem[rdM]]
                /\ \E rdS \in { ChosenSnap(snap, rdF, rdBlocks) } :
                   Commit([rdZ \in Addrs |-> IF rdIn(rdZ) THEN SnapSrc(rdS, rdPos + rdZ - rdA)
                                            ELSE src[rdZ]],
                          [rdQ \in Pages |->
                             IF rdFull(rdQ) \/ frame[rdQ] = Absent THEN Absent
                             ELSE [rdI \in 1 .. B |->
                                     IF rdIn(rdQ * B + rdI - 1)
                                     THEN FileByte(rdF, rdPos + rdQ * B + rdI - 1 - rdA)
                                     ELSE frame[rdQ][rdI]]],
                          [rdR \in Pages |-> IF rdFull(rdR) THEN Absent ELSE swap[rdR]],
                          WithSnap(snap, rdS, rdF),
                          rdRec)

(* load(a): returns View(a).  A page not resident is faulted in: its frame *)
(* gets the page's View and its swap slot is freed.                       *)
Load(ldA) ==
    Bounded /\
    LET ldP   == PageOf(ldA)
        ldRec == [NoStep EXCEPT !.op = "load", !.addr = ldA, !.ret = View(ldA)]
    IN  /\ UNCHANGED <<file, mem, cfile>>
        /\ IF frame[ldP] # Absent
           THEN Commit(src, frame, swap, snap, ldRec)
           ELSE Commit(src, [frame EXCEPT ![ldP] = PageView(ldP)],
                       [swap EXCEPT ![ldP] = Absent], snap, ldRec)

(* store(a, v): faults the page in, sets the byte, and detaches the whole *)
(* page: every byte becomes Anon, so its old bindings may be released.    *)
Store(stA, stV) ==
    Bounded /\
    LET stP    == PageOf(stA)
        stBase == IF frame[stP] # Absent THEN frame[stP] ELSE PageView(stP)
    IN  /\ mem' = [mem EXCEPT ![stA] = stV]
        /\ UNCHANGED <<file, cfile>>
        /\ Commit([stX \in Addrs |-> IF PageOf(stX) = stP THEN AnonSrc ELSE src[stX]],
                  [frame EXCEPT ![stP] = [stBase EXCEPT ![(stA % B) + 1] = stV]],
                  [swap EXCEPT ![stP] = Absent], snap,
                  [NoStep EXCEPT !.op = "store", !.addr = stA, !.val = stV])

(* Provable(a, f, pos, i): byte i of a write of segment a.. to f at pos is *)
(* provably already in the file: it is bound to the same offset of a      *)
(* snapshot of f, the offset is inside the file, and the block has not    *)
(* changed since (it is not preserved).  Skipping is exact: a write skips *)
(* exactly these bytes.                                                    *)
Provable(pbA, pbF, pbPos, pbI) ==
    LET pbX == src[pbA + pbI] IN
    /\ pbX.kind = "Snap"
    /\ pbX.off = pbPos + pbI
    /\ snap[pbX.snap].file = pbF
    /\ pbPos + pbI < Len(file[pbF])
    /\ snap[pbX.snap].preserved[BlockOf(pbPos + pbI)] = Absent

(* write(a, n, f, pos, rebind): the View of bytes a..a+n-1, taken before  *)
(* any file change, goes to f[pos..pos+n-1]; provable bytes are skipped,  *)
(* the rest written (the file grows as needed, a gap reads as zero).  The *)
(* write is itself a change to f, so copy-before-write comes first.  With *)
(* rebind the bytes are then bound to the written range: a written page   *)
(* becomes clean, and the next write-back of an unchanged region skips    *)
(* everything.                                                             *)
Write(wrA, wrN, wrF, wrPos, wrRebind) ==
    Bounded /\
    LET wrLen    == Max(Len(file[wrF]), wrPos + wrN)
        wrBlocks == { BlockOf(wrU) : wrU \in wrPos .. wrPos + wrN - 1 }
        wrIn(wrX) == wrA <= wrX /\ wrX < wrA + wrN
    IN
    /\ wrPos + wrN <= MaxLen
    /\ UNCHANGED mem
    /\ cfile' = [cfile EXCEPT ![wrF] =
                    Patched(cfile[wrF], [wrC \in wrPos .. wrPos + wrN - 1 |-> mem[wrA + wrC - wrPos]],
                            Max(Len(cfile[wrF]), wrPos + wrN))]
    /\ \E wrNeeded \in { { wrI \in 0 .. wrN - 1 : ~Provable(wrA, wrF, wrPos, wrI) } } :
       \E wrOffs \in { { wrPos + wrJ : wrJ \in wrNeeded } } :
       \E wrSnap \in { CopyBeforeWrite(wrF, Touched(wrF, wrOffs, wrLen)) } :
       LET wrRec == [NoStep EXCEPT !.op = "write", !.addr = wrA, !.len = wrN, !.file = wrF,
                                   !.pos = wrPos, !.rebind = wrRebind,
                                   !.written = Cardinality(wrOffs),
                                   !.skipped = wrN - Cardinality(wrOffs),
                                   !.needed = Cardinality(wrNeeded)]
       IN
       /\ file' = [file EXCEPT ![wrF] =
                      Patched(file[wrF], [wrO \in wrOffs |-> View(wrA + wrO - wrPos)], wrLen)]
       /\ IF wrRebind
          THEN /\ CanBind(wrSnap, wrF, wrBlocks)
               /\ \E wrS \in { ChosenSnap(wrSnap, wrF, wrBlocks) } :
                  Commit([wrZ \in Addrs |-> IF wrIn(wrZ) THEN SnapSrc(wrS, wrPos + wrZ - wrA)
                                           ELSE src[wrZ]],
                         frame, swap, WithSnap(wrSnap, wrS, wrF), wrRec)
          ELSE Commit(src, frame, swap, wrSnap, wrRec)

(* zero(a, n): the "memset syscall".  Bytes become Zero without loading:  *)
(* entirely covered pages drop frame and swap slot; a resident page only  *)
(* partly covered gets zeros in its frame.                                *)
Zero(zrA, zrN) ==
    Bounded /\
    LET zrIn(zrX)   == zrA <= zrX /\ zrX < zrA + zrN
        zrFull(zrP) == \A zrY \in PageAddrs(zrP) : zrIn(zrY)
    IN  /\ mem' = [zrM \in Addrs |-> IF zrIn(zrM) THEN 0 ELSE mem[zrM]]
        /\ UNCHANGED <<file, cfile>>
        /\ Commit([zrZ \in Addrs |-> IF zrIn(zrZ) THEN ZeroSrc ELSE src[zrZ]],
                  [zrQ \in Pages |->
                      IF zrFull(zrQ) \/ frame[zrQ] = Absent THEN Absent
                      ELSE [zrI \in 1 .. B |-> IF zrIn(zrQ * B + zrI - 1) THEN 0
                                               ELSE frame[zrQ][zrI]]],
                  [zrR \in Pages |-> IF zrFull(zrR) THEN Absent ELSE swap[zrR]],
                  snap,
                  [NoStep EXCEPT !.op = "zero", !.addr = zrA, !.len = zrN])

(* fileWrite(f, pos, data): another writer (not a segment) writes data at  *)
(* pos.  Copy-before-write first, so no snapshot changes.                 *)
FileWrite(fwF, fwPos, fwData) ==
    Bounded /\
    LET fwOffs == fwPos .. fwPos + Len(fwData) - 1
        fwLen  == Max(Len(file[fwF]), fwPos + Len(fwData))
        fwW    == [fwO \in fwOffs |-> fwData[fwO - fwPos + 1]]
    IN  /\ fwPos + Len(fwData) <= MaxLen
        /\ file'  = [file EXCEPT ![fwF] = Patched(file[fwF], fwW, fwLen)]
        /\ cfile' = [cfile EXCEPT ![fwF] = Patched(cfile[fwF], fwW, fwLen)]
        /\ UNCHANGED mem
        /\ Commit(src, frame, swap, CopyBeforeWrite(fwF, Touched(fwF, fwOffs, fwLen)),
                  [NoStep EXCEPT !.op = "fileWrite", !.file = fwF, !.pos = fwPos,
                                 !.data = fwData])

(* fileTruncate(f, len): another writer cuts or extends f to len bytes.   *)
(* Copy-before-write of every block holding a byte at or past a shorter   *)
(* length, or of the block holding the old end when the file grows.       *)
FileTruncate(ftF, ftLen) ==
    Bounded /\
    LET ftNone == [ftO \in {} |-> 0] IN
    /\ ftLen # Len(file[ftF])
    /\ file'  = [file EXCEPT ![ftF] = Patched(file[ftF], ftNone, ftLen)]
    /\ cfile' = [cfile EXCEPT ![ftF] = Patched(cfile[ftF], ftNone, ftLen)]
    /\ UNCHANGED mem
    /\ Commit(src, frame, swap, CopyBeforeWrite(ftF, Touched(ftF, {}, ftLen)),
              [NoStep EXCEPT !.op = "fileTruncate", !.file = ftF, !.len = ftLen])

(* evict(p): a resident page leaves memory.  A dirty page's bytes go to   *)
(* its swap slot; a clean page's are dropped, as its sources re-derive    *)
(* them.                                                                   *)
Evict(evP) ==
    /\ Bounded
    /\ frame[evP] # Absent
    /\ UNCHANGED <<file, mem, cfile>>
    /\ Commit(src, [frame EXCEPT ![evP] = Absent],
              [swap EXCEPT ![evP] = IF Dirty(src, evP) THEN frame[evP] ELSE Absent], snap,
              [NoStep EXCEPT !.op = "evict", !.page = evP])

(* Another writer's data: 1..MaxWrite bytes.                              *)
WriteData == UNION { [1 .. nwD -> Vals] : nwD \in 1 .. MaxWrite }

(* Next quantifies only over sets fixed by the constants, so that TLC     *)
(* splits it into one action per operator and argument tuple and labels   *)
(* each edge of its state graph with them (Read(f1,0,0,2)); conformance   *)
(* replays edges from those labels.                                        *)
Next ==
       \/ \E nxF \in Files, nxPos \in 0 .. MaxLen, nxA \in Addrs : \E nxN \in 1 .. P * B - nxA :
            Read(nxF, nxPos, nxA, nxN)
       \/ \E nxLa \in Addrs : Load(nxLa)
       \/ \E nxSa \in Addrs, nxV \in Vals : Store(nxSa, nxV)
       \/ \E nxWf \in Files, nxWa \in Addrs : \E nxWn \in 1 .. P * B - nxWa :
            \E nxWp \in 0 .. MaxLen - nxWn, nxRb \in BOOLEAN :
                Write(nxWa, nxWn, nxWf, nxWp, nxRb)
       \/ \E nxZa \in Addrs : \E nxZn \in 1 .. P * B - nxZa : Zero(nxZa, nxZn)
       \/ \E nxFf \in Foreign, nxD \in WriteData : \E nxFp \in 0 .. MaxLen - Len(nxD) :
            FileWrite(nxFf, nxFp, nxD)
       \/ \E nxTf \in Foreign, nxTl \in 0 .. MaxLen : FileTruncate(nxTf, nxTl)
       \/ \E nxEp \in Pages : Evict(nxEp)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Invariants.  model/ and impl/ check the same list.                     *)

(* TypeOK: every variable has the shape described above.                  *)
IsBytes(ibS, ibN) == Len(ibS) = ibN /\ \A ibI \in 1 .. ibN : ibS[ibI] \in Vals
TypeOK ==
    /\ \A toA \in Addrs :
          \/ src[toA] = ZeroSrc \/ src[toA] = AnonSrc
          \/ src[toA].kind = "Snap" /\ src[toA].snap \in SnapIds /\ src[toA].off \in 0 .. MaxLen - 1
    /\ \A toP \in Pages : /\ frame[toP] = Absent \/ IsBytes(frame[toP], B)
                          /\ swap[toP] = Absent \/ IsBytes(swap[toP], B)
    /\ \A toS \in SnapIds :
          /\ snap[toS].file \in Files \cup {NoFile}
          /\ \A toB \in Blocks : snap[toS].preserved[toB] = Absent
                                 \/ IsBytes(snap[toS].preserved[toB], B)
    /\ \A toF \in Files : /\ Len(file[toF]) <= MaxLen /\ IsBytes(file[toF], Len(file[toF]))
                          /\ Len(cfile[toF]) <= MaxLen /\ IsBytes(cfile[toF], Len(cfile[toF]))
    /\ \A toM \in Addrs : mem[toM] \in Vals
    /\ steps \in 0 .. MaxSteps

(* Equivalence: every load returns what conventional eager-copy I/O would *)
(* hold, and every file is what conventional I/O would make it.  Skip     *)
(* soundness, snapshot stability and copy-on-write correctness all follow *)
(* from it.                                                                *)
Equivalence ==
    /\ \A eqA \in Addrs : View(eqA) = mem[eqA]
    /\ file = cfile

(* FrameCoherent: a resident byte that is not Anon equals its source, so  *)
(* dropping a clean frame (evict) loses nothing.                          *)
FrameCoherent ==
    \A fcP \in Pages : frame[fcP] # Absent =>
        \A fcA \in PageAddrs(fcP) :
            src[fcA].kind # "Anon" => frame[fcP][(fcA % B) + 1] = SrcVal(src[fcA])

(* AnonBacked: an Anon byte's only copy is in its frame or its swap slot. *)
AnonBacked ==
    \A abA \in Addrs : src[abA].kind = "Anon" =>
        frame[PageOf(abA)] # Absent \/ swap[PageOf(abA)] # Absent

(* SwapOnlyDirty: a swap slot belongs to a dirty page that is not         *)
(* resident -- a resident page's frame is the newer copy, and a clean page *)
(* re-derives its bytes from its sources.                                  *)
SwapOnlyDirty ==
    \A soP \in Pages : swap[soP] # Absent => frame[soP] = Absent /\ Dirty(src, soP)

(* NoDangling: every byte bound to a snapshot names an allocated one.     *)
NoDangling ==
    \A ndA \in Addrs : src[ndA].kind = "Snap" => snap[src[ndA].snap].file # NoFile

(* NoLeak: every allocated snapshot is live, every preserved block is     *)
(* referenced, and a free id holds nothing.                               *)
NoLeak ==
    \A nlS \in SnapIds :
        /\ snap[nlS].file # NoFile => Live(src, nlS)
        /\ \A nlB \in Blocks : snap[nlS].preserved[nlB] # Absent =>
              snap[nlS].file # NoFile /\ nlB \in Refs(src, nlS)

(* Lazy (efficiency, from the step record): read and zero never fault a   *)
(* page in, and a write writes exactly the bytes not provably in the file *)
(* already -- never fewer (that would be unsound: Equivalence) and never  *)
(* more (that would be wasted I/O).                                        *)
Lazy ==
    /\ last.op \in {"read", "zero"} => ~last.fault
    /\ last.op = "write" => /\ last.written = last.needed
                            /\ last.written + last.skipped = last.len
=============================================================================
