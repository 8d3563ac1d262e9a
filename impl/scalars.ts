/**
 * The typed values a segment loads and stores, DataView-style: each one's
 * size, the check of a value to store (as DataView's setters would take
 * it, refused with an ArgumentError instead of converted), and its
 * DataView getter and setter.
 */
import { ArgumentError } from './errors.ts';
import { integer } from './validate.ts';

/** The typed values a segment loads and stores, DataView-style, at byte `at` of a DataView. */
export interface Scalar<T> {
  readonly size: number;
  check(name: string, value: unknown): T;
  get(view: DataView, at: number, littleEndian: boolean): T;
  set(view: DataView, at: number, value: T, littleEndian: boolean): void;
}

function int(
  size: number,
  min: number,
  max: number,
  get: (view: DataView, at: number, littleEndian: boolean) => number,
  set: (view: DataView, at: number, value: number, littleEndian: boolean) => void,
): Scalar<number> {
  return { size, check: (name, value) => integer(name, value, min, max), get, set };
}

function float(
  size: number,
  get: (view: DataView, at: number, littleEndian: boolean) => number,
  set: (view: DataView, at: number, value: number, littleEndian: boolean) => void,
): Scalar<number> {
  const check = (name: string, value: unknown): number => {
    if (typeof value !== 'number')
      throw new ArgumentError(name, `must be a number, got ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
    return value;
  };
  return { size, check, get, set };
}

function big(
  min: bigint,
  max: bigint,
  get: (view: DataView, at: number, littleEndian: boolean) => bigint,
  set: (view: DataView, at: number, value: bigint, littleEndian: boolean) => void,
): Scalar<bigint> {
  const check = (name: string, value: unknown): bigint => {
    if (typeof value !== 'bigint')
      throw new ArgumentError(name, `must be a bigint, got ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
    if (value < min || value > max)
      throw new ArgumentError(name, `must be in [${min}, ${max}], got ${value}`, 'ERR_OUT_OF_RANGE');
    return value;
  };
  return { size: 8, check, get, set };
}

export const uint8 = int(
  1,
  0,
  2 ** 8 - 1,
  (v, at) => v.getUint8(at),
  (v, at, x) => v.setUint8(at, x),
);
export const int8 = int(
  1,
  -(2 ** 7),
  2 ** 7 - 1,
  (v, at) => v.getInt8(at),
  (v, at, x) => v.setInt8(at, x),
);
export const int16 = int(
  2,
  -(2 ** 15),
  2 ** 15 - 1,
  (v, at, le) => v.getInt16(at, le),
  (v, at, x, le) => v.setInt16(at, x, le),
);
export const uint16 = int(
  2,
  0,
  2 ** 16 - 1,
  (v, at, le) => v.getUint16(at, le),
  (v, at, x, le) => v.setUint16(at, x, le),
);
export const int32 = int(
  4,
  -(2 ** 31),
  2 ** 31 - 1,
  (v, at, le) => v.getInt32(at, le),
  (v, at, x, le) => v.setInt32(at, x, le),
);
export const uint32 = int(
  4,
  0,
  2 ** 32 - 1,
  (v, at, le) => v.getUint32(at, le),
  (v, at, x, le) => v.setUint32(at, x, le),
);
export const float32 = float(
  4,
  (v, at, le) => v.getFloat32(at, le),
  (v, at, x, le) => v.setFloat32(at, x, le),
);
export const float64 = float(
  8,
  (v, at, le) => v.getFloat64(at, le),
  (v, at, x, le) => v.setFloat64(at, x, le),
);
export const bigInt64 = big(
  -(2n ** 63n),
  2n ** 63n - 1n,
  (v, at, le) => v.getBigInt64(at, le),
  (v, at, x, le) => v.setBigInt64(at, x, le),
);
export const bigUint64 = big(
  0n,
  2n ** 64n - 1n,
  (v, at, le) => v.getBigUint64(at, le),
  (v, at, x, le) => v.setBigUint64(at, x, le),
);
