// SPDX-License-Identifier: Apache-2.0
// Refusals of request members outside the service model, in the words of the service's own
// validation: `1 validation error detected: Value 'x' at 'member.path' failed to satisfy
// constraint: Member must …`. One spelling for every operation, so they cannot drift apart.

import { validation, type StoreError } from './errors';

/**
 * The refusal of one member. `shown` is the value as the service quotes it (`'x'`, `null`, `with
 * length 3`), or undefined for a sensitive member (the model's `sensitive` trait), whose value the
 * service does not repeat.
 */
export function modelViolation(shown: string | undefined, path: string, constraint: string): StoreError {
  const value = shown === undefined ? 'Value' : `Value ${shown}`;
  return validation(
    `1 validation error detected: ${value} at '${path}' failed to satisfy constraint: ${constraint}`,
  );
}

/** How the service quotes a value it refuses: a string in single quotes, anything else as written. */
export function shownValue(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value ?? null);
}

/**
 * Refuses a required string member that is missing, not a string, or outside `bounds` characters.
 * A sensitive member is refused without its value (a missing one still reads `Value null`).
 * @throws StoreError ValidationException
 */
export function checkModelLength(
  value: unknown,
  path: string,
  bounds: { readonly min: number; readonly max: number },
  sensitive = false,
): asserts value is string {
  const failed = (constraint: string) =>
    modelViolation(value == null || !sensitive ? shownValue(value) : undefined, path, constraint);
  if (value === undefined || value === null) throw failed('Member must not be null');
  if (typeof value !== 'string') throw failed('Member must be a string');
  if (value.length < bounds.min)
    throw failed(`Member must have length greater than or equal to ${bounds.min}`);
  if (value.length > bounds.max) throw failed(`Member must have length less than or equal to ${bounds.max}`);
}

/**
 * Refuses an optional integer member (a JSON null is absent) that is not an integer within `bounds`,
 * as the service refuses MaxResults and MaxRows. @throws StoreError ValidationException
 */
export function checkModelRange(
  value: unknown,
  path: string,
  bounds: { readonly min: number; readonly max: number },
): void {
  if (value === undefined || value === null) return;
  if (!Number.isInteger(value) || (value as number) < bounds.min || (value as number) > bounds.max)
    throw modelViolation(
      `'${String(value)}'`,
      path,
      `Member must have value between ${bounds.min} and ${bounds.max}`,
    );
}

/** A model member's name as the service's messages spell it: `DatabaseName` → `databaseName`. */
export const memberPath = (member: string) => `${member.charAt(0).toLowerCase()}${member.slice(1)}`;
