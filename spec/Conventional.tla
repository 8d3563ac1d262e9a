----------------------------- MODULE Conventional -----------------------------
(***************************************************************************)
(* Conventional I/O: the meaning deferred I/O must keep.  A program's      *)
(* memory mem and the files, changed by eager-copy read(2) and write(2),   *)
(* stores, zeroing, and other writers' writes and truncations.  Nothing    *)
(* here knows of snapshots, frames or skipping: this is what a program     *)
(* sees, and DeferredIO.tla refines it (Refinement.tla states the mapping: *)
(* mem is what loads would return, the files are the files).               *)
(*                                                                         *)
(* model/conventional.ts is this module in TypeScript (the oracle).        *)
(* Parameters and bound variables carry a module-unique prefix for the     *)
(* wasm checker (see DeferredIO.tla).                                      *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS
    Files,      \* the files
    B,          \* page size = block size: only fixes the memory's size here
    P,          \* pages of memory: the memory has P * B bytes
    MaxLen,     \* no file grows past MaxLen bytes
    InitLen,    \* every file starts InitLen bytes long, with any content
    Vals        \* the byte values

VARIABLES
    mem,        \* mem[a]: the byte at address a
    file        \* file[f]: the content of file f, a sequence of bytes

cvars == <<mem, file>>

CAddrs == 0 .. P * B - 1

(* Byte o of a byte sequence; past its end a file reads as zero.          *)
CByte(cbS, cbO) == IF cbO < Len(cbS) THEN cbS[cbO + 1] ELSE 0

(* Content cpS with the bytes of function cpW (offset -> value) written,  *)
(* cut or zero-extended to cpLen bytes: every change to a file is this.   *)
CPatched(cpS, cpW, cpLen) ==
    [cpI \in 1 .. cpLen |-> IF cpI - 1 \in DOMAIN cpW THEN cpW[cpI - 1] ELSE CByte(cpS, cpI - 1)]

CMax(cmX, cmY) == IF cmX > cmY THEN cmX ELSE cmY

CInit ==
    /\ mem  = [ciA \in CAddrs |-> 0]
    /\ file \in [Files -> [1 .. InitLen -> Vals]]

(* read(f, pos, a, n): copies min(n, len - pos) bytes (none at or past    *)
(* EOF) of f from pos into memory at a, now.                              *)
CRead(crF, crPos, crA, crN) ==
    LET crK == IF crPos >= Len(file[crF]) THEN 0
               ELSE IF crN < Len(file[crF]) - crPos THEN crN ELSE Len(file[crF]) - crPos
    IN  /\ mem' = [crM \in CAddrs |->
                      IF crA <= crM /\ crM < crA + crK THEN CByte(file[crF], crPos + crM - crA)
                      ELSE mem[crM]]
        /\ UNCHANGED file

(* store(a, v): one byte of memory.                                       *)
CStore(csA, csV) ==
    /\ mem' = [mem EXCEPT ![csA] = csV]
    /\ UNCHANGED file

(* write(a, n, f, pos): memory a..a+n-1 to f[pos..pos+n-1]; the file grows *)
(* as needed and a gap reads as zero.  Writing nothing changes nothing,    *)
(* even past the end (as pwrite(2) of zero bytes).                         *)
CWrite(cwA, cwN, cwF, cwPos) ==
    /\ cwPos + cwN <= MaxLen
    /\ file' = [file EXCEPT ![cwF] =
                  CPatched(file[cwF], [cwO \in cwPos .. cwPos + cwN - 1 |-> mem[cwA + cwO - cwPos]],
                           IF cwN = 0 THEN Len(file[cwF]) ELSE CMax(Len(file[cwF]), cwPos + cwN))]
    /\ UNCHANGED mem

(* zero(a, n): n bytes of memory become 0.                                *)
CZero(czA, czN) ==
    /\ mem' = [czM \in CAddrs |-> IF czA <= czM /\ czM < czA + czN THEN 0 ELSE mem[czM]]
    /\ UNCHANGED file

(* Another writer writes data at pos: the program's memory is its own.    *)
CFileWrite(cfF, cfPos, cfData) ==
    /\ cfPos + Len(cfData) <= MaxLen
    /\ file' = [file EXCEPT ![cfF] =
                  CPatched(file[cfF], [cfO \in cfPos .. cfPos + Len(cfData) - 1 |-> cfData[cfO - cfPos + 1]],
                           CMax(Len(file[cfF]), cfPos + Len(cfData)))]
    /\ UNCHANGED mem

(* Another writer cuts or extends f to len bytes.                         *)
CFileTruncate(ctF, ctLen) ==
    /\ ctLen <= MaxLen
    /\ file' = [file EXCEPT ![ctF] = CPatched(file[ctF], [ctO \in {} |-> 0], ctLen)]
    /\ UNCHANGED mem

(* Loads change nothing, so they are not steps of this module: a load     *)
(* returning mem[a] is stated over the refinement mapping (Refinement.tla).*)
CNext ==
    \/ \E cnF \in Files, cnPos \in 0 .. MaxLen, cnA \in CAddrs, cnN \in 0 .. P * B :
          cnA + cnN <= P * B /\ CRead(cnF, cnPos, cnA, cnN)
    \/ \E cnSa \in CAddrs, cnV \in Vals : CStore(cnSa, cnV)
    \/ \E cnWa \in CAddrs, cnWn \in 0 .. P * B, cnWf \in Files, cnWp \in 0 .. MaxLen :
          cnWa + cnWn <= P * B /\ CWrite(cnWa, cnWn, cnWf, cnWp)
    \/ \E cnZa \in CAddrs, cnZn \in 0 .. P * B : cnZa + cnZn <= P * B /\ CZero(cnZa, cnZn)
    \/ \E cnFf \in Files, cnFp \in 0 .. MaxLen, cnD \in UNION { [1 .. cnDn -> Vals] : cnDn \in 1 .. MaxLen } :
          CFileWrite(cnFf, cnFp, cnD)
    \/ \E cnTf \in Files, cnTl \in 0 .. MaxLen : CFileTruncate(cnTf, cnTl)

CSpec == CInit /\ [][CNext]_cvars
=============================================================================
