export { main, CliIo, USAGE } from './main';
export { checkTemplates } from './check';
export { loadInputs, parseTemplate, InputError } from './load';
