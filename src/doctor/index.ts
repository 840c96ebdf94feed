// The doctor's front door for the command line (src/main.ts): run the checks, show them, and the
// error that stops a command when one is fatal.
export { type CheckLine, ChecksFailedError, failures } from './check-line.ts';
export { renderJson, renderTable } from './render.ts';
export { type DoctorSettings, runDoctor } from './run-doctor.ts';
