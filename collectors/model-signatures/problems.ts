/** Finding codes of a model check, as documented in collectors/model-signatures/README.md. */
export type ModelProblemCode =
  | 'signature-missing'
  | 'signature-invalid'
  | 'signer-not-allowed'
  | 'file-digest-mismatch'
  | 'file-missing'
  | 'file-unsigned'
  | 'symlink-refused'
  | 'model-unreadable'
  | 'not-in-ledger'
  | 'legacy-format';

/** A problem with one model, before it is judged how bad it is. */
export interface ModelProblem {
  code: ModelProblemCode;
  message: string;
  ref?: string | undefined;
}

/** A problem that stops the check of one model; it becomes one finding. */
export class ModelCheckError extends Error implements ModelProblem {
  override name = 'ModelCheckError';
  constructor(
    readonly code: ModelProblemCode,
    message: string,
    readonly ref?: string,
  ) {
    super(message);
  }
}
