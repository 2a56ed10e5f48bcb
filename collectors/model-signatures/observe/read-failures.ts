import { ModelCheckError } from '../problems.js';
import { ModelHashError } from './hash-model.js';
import { ModelFilesError, relativeName } from './model-files.js';

/** A `model-unreadable` problem: what could not be read, the cause, and what to do about it. */
export function unreadable(what: string, cause: unknown, advice: string, ref?: string): ModelCheckError {
  return new ModelCheckError('model-unreadable', `${what}: ${cause instanceof Error ? cause.message : String(cause)}; ${advice}`, ref);
}

/** What stopped the check of one model, as the one problem its record reports. */
export function asProblem(err: unknown, modelPath: string): ModelCheckError {
  if (err instanceof ModelCheckError) return err;
  if (err instanceof ModelFilesError) return new ModelCheckError(/symlink/i.test(err.message) ? 'symlink-refused' : 'model-unreadable', err.message);
  if (err instanceof ModelHashError) {
    return unreadable(
      `cannot read ${err.path}`,
      err,
      'it was removed, replaced or cut short while it was hashed, or the agent may not read it: make it readable and leave the model unchanged while it is checked',
      relativeName(modelPath, err.path),
    );
  }
  return unreadable(`cannot check ${modelPath}`, err, 'the model was not checked; fix the cause and run again');
}
