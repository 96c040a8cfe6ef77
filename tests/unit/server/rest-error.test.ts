/**
 * The REST edge of HubError: one function gives every error answer its status and `{ error, code }` body, in
 * agreement with the socket edge (toWireError).
 */
import { describe, expect, it } from 'vitest';
import { HubError, toRestError, toWireError } from '../../../server/errors';
import { errorCodes, httpStatusOf, RestError } from '../../../shared';

describe('toRestError', () => {
  it('answers every contract code with its status and the message of the error', () => {
    for (const code of errorCodes) {
      const answer = toRestError(new HubError(code, `${code} happened`));
      expect(answer).toEqual({ status: httpStatusOf[code], body: { error: `${code} happened`, code } });
      expect(RestError.parse(answer.body)).toEqual(answer.body);
    }
  });

  it('answers anything that is not a HubError with 500 internal and a generic message, never its own', () => {
    for (const err of [new Error('relation "usage_events" does not exist'), 'a string', undefined]) {
      expect(toRestError(err)).toEqual({ status: 500, body: { error: 'internal error', code: 'internal' } });
    }
  });

  it('says what the socket edge says for the same error', () => {
    for (const err of [new HubError('rate_limited', 'too many requests'), new TypeError('boom')]) {
      const { body } = toRestError(err);
      expect({ code: body.code, message: body.error }).toEqual(toWireError(err));
    }
  });
});
