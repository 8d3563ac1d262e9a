import { describe, expect, it } from "vitest";
import { cfgInvariants } from "./cfg.ts";

describe("cfgInvariants", () => {
  it("lists invariants in order across sections, skipping comments and other sections", () => {
    const cfg = [
      "\\* INVARIANT Commented",
      "CONSTANTS Procs = {p1, p2} Max = 3",
      "(* INVARIANT Hidden (* nested *) INVARIANT StillHidden *)",
      "INIT Init NEXT Next INVARIANTS TypeOK",
      "    Safe \\* trailing comment",
      "CONSTRAINT Bound",
      "INVARIANT Last",
      "CHECK_DEADLOCK FALSE",
    ].join("\n");
    expect(cfgInvariants(cfg)).toEqual(["TypeOK", "Safe", "Last"]);
  });

  it("gives none for a cfg without invariants", () => {
    expect(cfgInvariants("SPECIFICATION Spec\n")).toEqual([]);
  });
});
