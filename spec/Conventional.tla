----------------------------- MODULE Conventional -----------------------------
(***************************************************************************)
(* Conventional I/O: the meaning deferred I/O must keep.  A program's      *)
(* memory mem, the files, and the program's last call with what it         *)
(* returned.  Calls are eager-copy read(2) and write(2), loads, stores,    *)
(* zeroing, views and copies of memory, hints (prefetch, evict) that       *)
(* change nothing, re-reads of chosen bytes (refresh), and other writers'  *)
(* writes, truncations and changes of metadata.  Nothing                   *)
(* here knows of snapshots, frames or skipping: this is what a program     *)
(* sees.  DeferredIO.tla refines it (Refinement.tla states the mapping:    *)
(* mem is what loads return, the files are the files, the call is the     *)
(* step record's operation, arguments and results).                       *)
(*                                                                         *)
(* Crashes: a Persistent file has, besides its content, what is durable: *)
(* its content when it was last fsynced.  A crash loses the program's      *)
(* memory and falls inside or after the last call: a process kill leaves  *)
(* a front-to-back prefix of what a write was writing, a power cut any    *)
(* subset of the blocks written since the last fsync; an atomic write      *)
(* leaves exactly the file before it or after it.                          *)
(*                                                                         *)
(* A call may also be refused with FileChangedError and change nothing:   *)
(* a conventional program sees such errors from any system call (EIO);    *)
(* DeferredIO's RefusalJustified says when the engine may refuse.         *)
(*                                                                         *)
(* model/conventional.ts is this module in TypeScript (the oracle).        *)
(* Parameters and bound variables carry a module-unique prefix for the     *)
(* wasm checker (see DeferredIO.tla).                                      *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Files,      \* the files
    NoFile,     \* a model value: no file (in a call that names none)
    B,          \* page size = block size: fixes the memory's size and pages
    P,          \* pages of memory: the memory has P * B bytes
    MaxLen,     \* no file grows past MaxLen bytes
    InitLen,    \* every file starts InitLen bytes long, with any content
    Vals,       \* the byte values
    Persistent  \* the files whose durability and crashes are modelled

VARIABLES
    mem,        \* mem[a]: the byte at address a
    file,       \* file[f]: the content of file f, a sequence of bytes
    call,       \* the program's last call, its arguments and results
    durable,    \* durable[f]: a Persistent file's durable content
    prev        \* the Persistent files' content and durable content before
                \* the last call (where a crash inside it starts from)

cvars == <<mem, file, call, durable, prev>>

CAddrs == 0 .. P * B - 1

(* Byte o of a byte sequence; past its end a file reads as zero.          *)
CByte(cbS, cbO) == IF cbO < Len(cbS) THEN cbS[cbO + 1] ELSE 0

(* Content cpS with the bytes of function cpW (offset -> value) written,  *)
(* cut or zero-extended to cpLen bytes: every change to a file is this.   *)
CPatched(cpS, cpW, cpLen) ==
    [cpI \in 1 .. cpLen |-> IF cpI - 1 \in DOMAIN cpW THEN cpW[cpI - 1] ELSE CByte(cpS, cpI - 1)]

CMax(cmX, cmY) == IF cmX > cmY THEN cmX ELSE cmY

(* A call: every field in every call, unused ones 0, FALSE, NoFile, <<>>. *)
NoCall == [op |-> "init", addr |-> 0, len |-> 0, file |-> NoFile, pos |-> 0, val |-> 0,
           data |-> <<>>, page |-> 0, rebind |-> FALSE, writable |-> FALSE,
           reread |-> {}, ret |-> 0, out |-> <<>>, err |-> "none",
           sync |-> FALSE, atomic |-> FALSE, kind |-> "none"]

(* The bytes of memory a..a+n-1.                                           *)
CMemory(cyA, cyN) == [cyI \in 1 .. cyN |-> mem[cyA + cyI - 1]]

(* The Persistent files' contents and durable contents now.              *)
CNow == [file |-> [cnF \in Persistent |-> file[cnF]], durable |-> durable]

CInit ==
    /\ mem  = [ciA \in CAddrs |-> 0]
    /\ file \in [Files -> [1 .. InitLen -> Vals]]
    /\ call = NoCall
    /\ durable = [ciF \in Persistent |-> file[ciF]]
    /\ prev = CNow

(* read(f, pos, a, n): copies k = min(n, len - pos) bytes (none at or past *)
(* EOF) of f from pos into memory at a, now, and returns k.               *)
CRead(crF, crPos, crA, crN) ==
    LET crK == IF crPos >= Len(file[crF]) THEN 0
               ELSE IF crN < Len(file[crF]) - crPos THEN crN ELSE Len(file[crF]) - crPos
    IN  /\ call' = [NoCall EXCEPT !.op = "read", !.file = crF, !.pos = crPos, !.addr = crA,
                                  !.len = crN, !.ret = crK]
        /\ mem' = [crM \in CAddrs |->
                      IF crA <= crM /\ crM < crA + crK THEN CByte(file[crF], crPos + crM - crA)
                      ELSE mem[crM]]
        /\ UNCHANGED <<file, durable>>

(* load(a) returns the byte; bytes(a, n, w) returns a view of n bytes;    *)
(* copyOut(a, n) returns a copy of n bytes.  None changes anything.       *)
CLoad(clA) ==
    /\ call' = [NoCall EXCEPT !.op = "load", !.addr = clA, !.ret = mem[clA]]
    /\ UNCHANGED <<mem, file, durable>>
CBytes(cvA, cvN, cvW) ==
    /\ call' = [NoCall EXCEPT !.op = "bytes", !.addr = cvA, !.len = cvN, !.writable = cvW,
                              !.out = CMemory(cvA, cvN)]
    /\ UNCHANGED <<mem, file, durable>>
CCopyOut(coA, coN) ==
    /\ call' = [NoCall EXCEPT !.op = "copyOut", !.addr = coA, !.len = coN, !.out = CMemory(coA, coN)]
    /\ UNCHANGED <<mem, file, durable>>

(* Hints: prefetch(p, n) and evict(p) say where time may be spent; they   *)
(* change nothing a program can see.                                       *)
CPrefetch(cfP, cfN) ==
    /\ call' = [NoCall EXCEPT !.op = "prefetch", !.page = cfP, !.len = cfN]
    /\ UNCHANGED <<mem, file, durable>>
CEvict(ceP) ==
    /\ call' = [NoCall EXCEPT !.op = "evict", !.page = ceP]
    /\ UNCHANGED <<mem, file, durable>>

(* refresh(a, n, reread): re-reads chosen bytes of memory a..a+n-1 --     *)
(* reread is a set of <<address, file, offset>> triples, one per address, *)
(* each offset inside its file -- as read(2)s of one byte each, now, and   *)
(* returns how many.  (Which bytes is the program's choice; DeferredIO's   *)
(* Refreshed says which a deferred refresh chooses: those it lost.)        *)
CRefresh(crrA, crrN, crrReads) ==
    /\ \A crrT \in crrReads : /\ crrA <= crrT[1] /\ crrT[1] < crrA + crrN
                              /\ crrT[2] \in Files /\ crrT[3] < Len(file[crrT[2]])
    /\ \A crrU, crrV \in crrReads : crrU[1] = crrV[1] => crrU = crrV
    /\ call' = [NoCall EXCEPT !.op = "refresh", !.addr = crrA, !.len = crrN, !.reread = crrReads,
                              !.ret = Cardinality(crrReads)]
    /\ mem' = [crrM \in CAddrs |->
                  IF \E crrW \in crrReads : crrW[1] = crrM
                  THEN LET crrR == CHOOSE crrX \in crrReads : crrX[1] = crrM IN CByte(file[crrR[2]], crrR[3])
                  ELSE mem[crrM]]
    /\ UNCHANGED <<file, durable>>

(* store(a, v): one byte of memory.                                       *)
CStore(csA, csV) ==
    /\ call' = [NoCall EXCEPT !.op = "store", !.addr = csA, !.val = csV]
    /\ mem' = [mem EXCEPT ![csA] = csV]
    /\ UNCHANGED <<file, durable>>

(* write(a, n, f, pos): memory a..a+n-1 to f[pos..pos+n-1]; the file grows *)
(* as needed and a gap reads as zero.  Writing nothing changes nothing,    *)
(* even past the end (as pwrite(2) of zero bytes).  rebind is a hint.     *)
(* With sync the file is then fsynced (its content becomes durable); an   *)
(* atomic write (which syncs) differs only in what a crash inside it      *)
(* leaves (CCrash).                                                        *)
CWrite(cwA, cwN, cwF, cwPos, cwRebind, cwSync, cwAtomic) ==
    /\ call' = [NoCall EXCEPT !.op = "write", !.addr = cwA, !.len = cwN, !.file = cwF,
                              !.pos = cwPos, !.rebind = cwRebind, !.sync = cwSync, !.atomic = cwAtomic]
    /\ cwPos + cwN <= MaxLen
    /\ cwAtomic => cwSync
    /\ cwSync => cwF \in Persistent
    /\ file' = [file EXCEPT ![cwF] =
                  CPatched(file[cwF], [cwO \in cwPos .. cwPos + cwN - 1 |-> mem[cwA + cwO - cwPos]],
                           IF cwN = 0 THEN Len(file[cwF]) ELSE CMax(Len(file[cwF]), cwPos + cwN))]
    /\ durable' = IF cwSync THEN [durable EXCEPT ![cwF] = file'[cwF]] ELSE durable
    /\ UNCHANGED mem

(* zero(a, n): n bytes of memory become 0.                                *)
CZero(czA, czN) ==
    /\ call' = [NoCall EXCEPT !.op = "zero", !.addr = czA, !.len = czN]
    /\ mem' = [czM \in CAddrs |-> IF czA <= czM /\ czM < czA + czN THEN 0 ELSE mem[czM]]
    /\ UNCHANGED <<file, durable>>

(* Another writer writes data at pos: the program's memory is its own.    *)
(* Whether it goes through the engine (fileWrite) or not (outsideWrite)   *)
(* makes no difference here.                                               *)
CFileWrite(cfOp, cfF, cfPos, cfData) ==
    /\ call' = [NoCall EXCEPT !.op = cfOp, !.file = cfF, !.pos = cfPos, !.data = cfData]
    /\ cfPos + Len(cfData) <= MaxLen
    /\ file' = [file EXCEPT ![cfF] =
                  CPatched(file[cfF], [cfO \in cfPos .. cfPos + Len(cfData) - 1 |-> cfData[cfO - cfPos + 1]],
                           CMax(Len(file[cfF]), cfPos + Len(cfData)))]
    /\ UNCHANGED <<mem, durable>>

(* Another process changes only f's metadata (chmod, chown, a link, an    *)
(* xattr): no byte of memory or of any file changes.                      *)
COutsideMetadata(cmdF) ==
    /\ call' = [NoCall EXCEPT !.op = "outsideMetadata", !.file = cmdF]
    /\ UNCHANGED <<mem, file, durable>>

(* Another writer cuts or extends f to len bytes.                         *)
CFileTruncate(ctOp, ctF, ctLen) ==
    /\ call' = [NoCall EXCEPT !.op = ctOp, !.file = ctF, !.len = ctLen]
    /\ ctLen <= MaxLen
    /\ file' = [file EXCEPT ![ctF] = CPatched(file[ctF], [ctO \in {} |-> 0], ctLen)]
    /\ UNCHANGED <<mem, durable>>

(* fileSync(f): f's content becomes durable.                              *)
CFileSync(cyF) ==
    /\ call' = [NoCall EXCEPT !.op = "fileSync", !.file = cyF]
    /\ cyF \in Persistent
    /\ durable' = [durable EXCEPT ![cyF] = file[cyF]]
    /\ UNCHANGED <<mem, file>>

(* recover(f): opening f after a crash.  Nothing a program can see        *)
(* changes; the file may become durable (a replay ends with an fsync).    *)
CRecover(cvF) ==
    /\ call' = [NoCall EXCEPT !.op = "recover", !.file = cvF]
    /\ cvF \in Persistent
    /\ durable' \in { durable, [durable EXCEPT ![cvF] = file[cvF]] }
    /\ UNCHANGED <<mem, file>>

(* What a crash may leave of a Persistent file f, given the last call c   *)
(* (the call it fell in or after): its versions, the contents it may have *)
(* had when the crash came, and its durables, what may have been durable  *)
(* then.  A write leaves a front-to-back prefix of its bytes (a write of  *)
(* another writer too); a truncate or an atomic write, the file before    *)
(* or after it; any other call, the file as it is.  What was durable is   *)
(* what was before the call or after it; an atomic write may also have     *)
(* made durable the file before it.                                        *)
CWrote(cbC, cbI) == IF cbC.op = "write" THEN mem[cbC.addr + cbI] ELSE cbC.data[cbI + 1]
CWriteLen(clC) == IF clC.op = "write" THEN clC.len ELSE Len(clC.data)
CPrefix(cxS, cxC, cxM) ==
    CPatched(cxS, [cxO \in cxC.pos .. cxC.pos + cxM - 1 |-> CWrote(cxC, cxO - cxC.pos)],
             IF cxM = 0 THEN Len(cxS) ELSE CMax(Len(cxS), cxC.pos + cxM))
CAtomic(caF) == call.op = "write" /\ call.atomic /\ call.file = caF /\ call.err = "none"
CVersions(cvsF) ==
    IF call.file # cvsF \/ call.err # "none" THEN { file[cvsF] }
    ELSE IF call.op \in {"write", "fileWrite", "outsideWrite"} /\ ~CAtomic(cvsF)
    THEN { CPrefix(prev.file[cvsF], call, cvsM) : cvsM \in 0 .. CWriteLen(call) }
    ELSE IF call.op \in {"fileTruncate", "outsideTruncate"} \/ CAtomic(cvsF)
    THEN { prev.file[cvsF], file[cvsF] }
    ELSE { file[cvsF] }
CDurables(cdsF) ==
    IF CAtomic(cdsF) THEN { prev.durable[cdsF], prev.file[cdsF], durable[cdsF] }
    ELSE { prev.durable[cdsF], durable[cdsF] }

(* CMixed(s, d, v): s is what a power cut may leave of a file whose        *)
(* durable content was d and whose content was v: each block d's or v's   *)
(* below s's length, the length one of theirs.                             *)
CMixed(cxdS, cxdD, cxdV) ==
    /\ Len(cxdS) \in {Len(cxdD), Len(cxdV)}
    /\ \A cxdB \in 0 .. (MaxLen + B - 1) \div B - 1 :
          \/ \A cxdO \in cxdB * B .. cxdB * B + B - 1 : cxdO < Len(cxdS) => CByte(cxdS, cxdO) = CByte(cxdD, cxdO)
          \/ \A cxdP \in cxdB * B .. cxdB * B + B - 1 : cxdP < Len(cxdS) => CByte(cxdS, cxdP) = CByte(cxdV, cxdP)

(* crash(kind): the program's memory is lost (a new process starts with   *)
(* zeros); a file outside Persistent is kept whole.  A Persistent file    *)
(* after a kill is one of its versions, with one of its durables durable; *)
(* after a power cut it is all durable, each block from a durable or a    *)
(* version: an atomic write leaves it exactly after, or mixed from what   *)
(* was durable and the file before it.                                     *)
CCrash(ccKind) ==
    /\ call' = [NoCall EXCEPT !.op = "crash", !.kind = ccKind]
    /\ mem' = [ccA \in CAddrs |-> 0]
    /\ \A ccF \in Files \ Persistent : file'[ccF] = file[ccF]
    /\ \A ccG \in Persistent :
          IF ccKind = "kill"
          THEN file'[ccG] \in CVersions(ccG) /\ durable'[ccG] \in CDurables(ccG)
          ELSE /\ durable'[ccG] = file'[ccG]
               /\ IF CAtomic(ccG)
                  THEN \/ file'[ccG] = file[ccG]
                       \/ \E ccD \in { prev.durable[ccG], prev.file[ccG] } : CMixed(file'[ccG], ccD, prev.file[ccG])
                  ELSE \E ccE \in CDurables(ccG), ccV \in CVersions(ccG) : CMixed(file'[ccG], ccE, ccV)

(* A call refused (with FileChangedError, or a recovery's               *)
(* EJOURNALCORRUPT): it returns nothing and changes nothing.              *)
CRefused(cxCall) ==
    /\ call' = cxCall
    /\ UNCHANGED <<mem, file, durable>>

(* The call a call record names, run: its operation with its arguments,  *)
(* computing its own results (the record's ret and out are ignored); a     *)
(* record with an error is that call, refused.  Every call keeps the      *)
(* Persistent files' state before it (prev), where a crash starts from.   *)
CDo(cdC) ==
    /\ prev' = CNow
    /\ IF cdC.err # "none" THEN CRefused([cdC EXCEPT !.ret = 0, !.out = <<>>])
       ELSE CASE cdC.op = "read"            -> CRead(cdC.file, cdC.pos, cdC.addr, cdC.len)
              [] cdC.op = "load"            -> CLoad(cdC.addr)
              [] cdC.op = "bytes"           -> CBytes(cdC.addr, cdC.len, cdC.writable)
              [] cdC.op = "copyOut"         -> CCopyOut(cdC.addr, cdC.len)
              [] cdC.op = "prefetch"        -> CPrefetch(cdC.page, cdC.len)
              [] cdC.op = "evict"           -> CEvict(cdC.page)
              [] cdC.op = "store"           -> CStore(cdC.addr, cdC.val)
              [] cdC.op = "write"           -> CWrite(cdC.addr, cdC.len, cdC.file, cdC.pos, cdC.rebind,
                                                      cdC.sync, cdC.atomic)
              [] cdC.op = "zero"            -> CZero(cdC.addr, cdC.len)
              [] cdC.op = "refresh"         -> CRefresh(cdC.addr, cdC.len, cdC.reread)
              [] cdC.op = "outsideMetadata" -> COutsideMetadata(cdC.file)
              [] cdC.op \in {"fileWrite", "outsideWrite"}       -> CFileWrite(cdC.op, cdC.file, cdC.pos, cdC.data)
              [] cdC.op \in {"fileTruncate", "outsideTruncate"} -> CFileTruncate(cdC.op, cdC.file, cdC.len)
              [] cdC.op = "fileSync"        -> CFileSync(cdC.file)
              [] cdC.op = "recover"         -> CRecover(cdC.file)
              [] cdC.op = "crash"           -> CCrash(cdC.kind)
              [] OTHER -> FALSE

CAllCalls ==
    LET ccData == UNION { [1 .. ccN -> Vals] : ccN \in 1 .. MaxLen }
    IN  { [NoCall EXCEPT !.op = "read", !.file = ccF, !.pos = ccP, !.addr = ccA, !.len = ccN] :
            ccF \in Files, ccP \in 0 .. MaxLen, ccA \in CAddrs, ccN \in 0 .. P * B }
        \cup { [NoCall EXCEPT !.op = "load", !.addr = ccA] : ccA \in CAddrs }
        \cup { [NoCall EXCEPT !.op = "bytes", !.addr = ccA, !.len = ccN, !.writable = ccW] :
                 ccA \in CAddrs, ccN \in 1 .. B, ccW \in BOOLEAN }
        \cup { [NoCall EXCEPT !.op = "copyOut", !.addr = ccA, !.len = ccN] : ccA \in CAddrs, ccN \in 0 .. P * B }
        \cup { [NoCall EXCEPT !.op = ccO, !.page = ccP, !.len = ccN] :
                 ccO \in {"prefetch", "evict"}, ccP \in 0 .. P - 1, ccN \in 0 .. P }
        \cup { [NoCall EXCEPT !.op = "store", !.addr = ccA, !.val = ccV] : ccA \in CAddrs, ccV \in Vals }
        \cup { [NoCall EXCEPT !.op = "write", !.addr = ccA, !.len = ccN, !.file = ccF, !.pos = ccP, !.rebind = ccR,
                              !.sync = ccS, !.atomic = ccT] :
                 ccA \in CAddrs, ccN \in 0 .. P * B, ccF \in Files, ccP \in 0 .. MaxLen, ccR, ccS, ccT \in BOOLEAN }
        \cup { [NoCall EXCEPT !.op = "zero", !.addr = ccA, !.len = ccN] : ccA \in CAddrs, ccN \in 0 .. P * B }
        \cup { [NoCall EXCEPT !.op = "refresh", !.addr = ccA, !.len = ccN, !.reread = ccR] :
                 ccA \in CAddrs, ccN \in 0 .. P * B, ccR \in SUBSET (CAddrs \X Files \X (0 .. MaxLen - 1)) }
        \cup { [NoCall EXCEPT !.op = "outsideMetadata", !.file = ccF] : ccF \in Files }
        \cup { [NoCall EXCEPT !.op = ccO, !.file = ccF, !.pos = ccP, !.data = ccD] :
                 ccO \in {"fileWrite", "outsideWrite"}, ccF \in Files, ccP \in 0 .. MaxLen, ccD \in ccData }
        \cup { [NoCall EXCEPT !.op = ccO, !.file = ccF, !.len = ccN] :
                 ccO \in {"fileTruncate", "outsideTruncate"}, ccF \in Files, ccN \in 0 .. MaxLen }
        \cup { [NoCall EXCEPT !.op = ccO, !.file = ccF] : ccO \in {"fileSync", "recover"}, ccF \in Persistent }
        \cup { [NoCall EXCEPT !.op = "crash", !.kind = ccK] : ccK \in {"kill", "power"} }

(* Every call a program can make: its operation and arguments, with the   *)
(* memory it names inside the memory (a view inside one page).             *)
CCalls == { ccC \in CAllCalls :
              IF ccC.op = "bytes" THEN (ccC.addr % B) + ccC.len <= B
              ELSE ccC.op \in {"read", "copyOut", "write", "zero", "refresh"} => ccC.addr + ccC.len <= P * B }

(* Every call, done or refused.  A refused call is any load, view, copy,  *)
(* store or write, with its arguments and no results (FileChangedError), *)
(* or a recovery (EJOURNALCORRUPT).                                        *)
CNext ==
    \E cnC \in CCalls :
        \/ CDo(cnC)
        \/ cnC.op \in {"load", "bytes", "copyOut", "store", "write"} /\ CDo([cnC EXCEPT !.err = "FileChangedError"])
        \/ cnC.op = "recover" /\ CDo([cnC EXCEPT !.err = "EJOURNALCORRUPT"])

CSpec == CInit /\ [][CNext]_cvars
=============================================================================
