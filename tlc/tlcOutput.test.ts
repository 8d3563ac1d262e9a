import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTlcOutput } from "./tlcOutput.ts";

/** Real TLC console output, captured from tlc2.TLC runs on the fixtures. */
const canned = (name: string) => readFileSync(new URL(`fixtures/tlc-output/${name}.txt`, import.meta.url), "utf8");

describe("parseTlcOutput", () => {
  it("reads the final counts of a passing run", () => {
    expect(parseTlcOutput(canned("pass"))).toEqual({ generated: 13, distinctStates: 9, violation: null, errors: [] });
  });

  it("reads an invariant violation and its trace, naming each state's action", () => {
    const report = parseTlcOutput(canned("invariant"));
    expect(report.distinctStates).toBe(7);
    expect(report.errors).toEqual([]);
    expect(report.violation).toEqual({
      kind: "invariant",
      invariant: "Small",
      trace: [
        { action: null, vars: { x: "0", y: "0" } },
        { action: "IncX", vars: { x: "1", y: "0" } },
        { action: "IncX", vars: { x: "2", y: "0" } },
        { action: "IncY", vars: { x: "2", y: "1" } },
      ],
    });
  });

  it("reads a deadlock", () => {
    const { violation, distinctStates } = parseTlcOutput(canned("deadlock"));
    expect(distinctStates).toBe(9);
    expect(violation?.kind).toBe("deadlock");
    expect(violation?.invariant).toBeNull();
    expect(violation?.trace.at(-1)).toEqual({ action: "IncY", vars: { x: "2", y: "2" } });
    expect(violation?.trace).toHaveLength(5);
  });

  it("reads a violation by an initial state, which comes without counts", () => {
    expect(parseTlcOutput(canned("initial-state"))).toEqual({
      generated: null,
      distinctStates: null,
      violation: { kind: "invariant", invariant: "InitInv", trace: [{ action: null, vars: { x: "0" } }] },
      errors: [],
    });
  });

  it("reads states of a single-variable spec, printed without /\\", () => {
    const { violation } = parseTlcOutput(canned("one-variable"));
    expect(violation?.trace.map((s) => s.vars)).toEqual([{ x: "0" }, { x: "1" }, { x: "2" }]);
  });

  it("keeps multi-line values whole, and actions with arguments", () => {
    const { violation, distinctStates } = parseTlcOutput(canned("multiline"));
    expect(violation?.invariant).toBe("AnonBacked");
    expect(distinctStates).toBeGreaterThan(0);
    expect(violation?.trace.map((s) => s.action)).toEqual([null, "Store(0,0)", "Evict(0)"]);
    const last = violation?.trace[2].vars ?? {};
    expect(Object.keys(last)).toEqual(["src", "steps", "snap", "cfile", "file", "frame", "last", "swap", "mem"]);
    expect(last.src).toBe('( 0 :> [snap |-> 0, kind |-> "Anon", off |-> 0] @@\n  1 :> [snap |-> 0, kind |-> "Anon", off |-> 0] )');
    expect(last.last.split("\n")).toHaveLength(14);
    expect(last.last.split("\n").at(-1)).toBe("  needed |-> 0 ]");
    expect(last.mem).toBe("(0 :> 0 @@ 1 :> 0)");
  });

  it("collects the error lines of a failed run", () => {
    expect(parseTlcOutput(canned("parse-error"))).toEqual({
      generated: null,
      distinctStates: null,
      violation: null,
      errors: ["Error: Parsing or semantic analysis failed."],
    });
  });

  it("reads counts written with thousands separators", () => {
    const report = parseTlcOutput("1,234,567 states generated, 89,012 distinct states found, 0 states left on queue.\n");
    expect([report.generated, report.distinctStates]).toEqual([1234567, 89012]);
  });
});
