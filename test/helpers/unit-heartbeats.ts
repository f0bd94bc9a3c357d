import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { decodeBody } from '../../src/heartbeat/decode.js';
import { compileHeartbeatValidator } from '../../src/heartbeat/schema.js';
import type { Heartbeat, Instant, StatusType } from '../../src/heartbeat/types.js';
import { validateHeartbeat } from '../../src/heartbeat/validate.js';

/**
 * The heartbeat without its incoming index (Heartbeat.incomingIndex, an aid the validator may
 * hand the table build), after checking that the index, when there is one, is right: each
 * incoming SID at its position.
 */
export function withoutIndex(heartbeat: Heartbeat): Heartbeat {
  const { incomingIndex, ...rest } = heartbeat;
  if (incomingIndex !== undefined) {
    expect([...incomingIndex]).toEqual(heartbeat.incoming.map((sid, position) => [sid, position]));
  }
  return rest;
}

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export const VENDOR_FIXTURES = [
  'vendor-scenario-1-ok.json',
  'vendor-scenario-2-warning.json',
  'vendor-scenario-3-critical.json',
] as const;

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}${name}`));
}

export function fixtureText(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8');
}

/** 2018-08-22T15:19:23Z, the vendor examples' timestamp, computed independently of the parser. */
export const VENDOR_SECONDS = Date.UTC(2018, 7, 22, 15, 19, 23) / 1000;

/** An instant from an ISO string that Date can read (millisecond precision) plus extra nanos. */
export function at(iso: string, extraNanos = 0): Instant {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test timestamp ${iso}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 + extraNanos };
}

export interface HeartbeatSpec {
  readonly timestamp: Instant;
  readonly status?: StatusType;
  readonly incoming?: readonly string[];
  readonly outgoing?: readonly string[];
  readonly phones?: Readonly<Record<string, string>>;
}

/** A normalised Heartbeat as validate.ts would produce (unique SIDs). */
export function heartbeat(spec: HeartbeatSpec): Heartbeat {
  return {
    timestamp: spec.timestamp,
    status: spec.status ?? 'OK',
    incoming: spec.incoming ?? [],
    outgoing: spec.outgoing ?? [],
    phones: new Map(Object.entries(spec.phones ?? {})),
  };
}

const lenient = compileHeartbeatValidator(true);

/** Runs a JSON text through the real decode + validate pipeline, with repairs on. */
export function heartbeatFromJson(text: string): Heartbeat {
  const decoded = decodeBody(new TextEncoder().encode(text), true);
  if (!decoded.ok) throw new Error(`test payload does not decode: ${decoded.detail}`);
  const validated = validateHeartbeat(decoded.value, lenient, true);
  if (!validated.ok) throw new Error(`test payload does not validate: ${validated.detail}`);
  return validated.heartbeat;
}
