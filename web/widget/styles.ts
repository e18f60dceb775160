/**
 * The prompt's stylesheet, applied inside its shadow root (the site's CSS cannot reach in, and
 * `all: initial` keeps inherited styles out). Colours meet WCAG AA contrast.
 */
export const css = `
:host{all:initial;position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;justify-content:center;
font:16px/1.5 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Hiragino Kaku Gothic ProN",Meiryo,sans-serif;color:#1f2328}
*{box-sizing:border-box}
.bg{position:absolute;inset:0;background:rgba(15,23,42,.45)}
.dlg{position:relative;background:#fff;border-radius:12px;box-shadow:0 12px 40px rgba(0,0,0,.3);
width:min(34rem,calc(100vw - 1.5rem));max-height:calc(100vh - 1.5rem);overflow:auto;padding:1.25rem 1.25rem 1rem}
h2{font-size:1.1rem;line-height:1.4;margin:0 2.25rem .75rem 0;font-weight:600}
fieldset{border:0;margin:0 0 .9rem;padding:0;min-width:0}
legend{font-weight:600;padding:0;margin-bottom:.35rem;font-size:.95rem}
.opts{display:grid;grid-template-columns:repeat(11,minmax(0,1fr));gap:.25rem}
.opts.csat{grid-template-columns:repeat(5,minmax(0,1fr))}
.opt{position:relative;display:block}
.opt input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.opt span{display:flex;align-items:center;justify-content:center;height:2.5rem;border:1px solid #8c959f;border-radius:6px;
cursor:pointer;font-weight:600;background:#f6f8fa;user-select:none}
.opt span:hover{border-color:#1a56db}
.opt input:checked+span{background:#1a56db;border-color:#1a56db;color:#fff}
.opt input:focus-visible+span{outline:3px solid #f59e0b;outline-offset:2px}
.ends{display:flex;justify-content:space-between;gap:1rem;font-size:.8rem;color:#57606a;margin-top:.3rem}
.chk{display:flex;align-items:flex-start;cursor:pointer;padding:.15rem 0}
.chk input{flex:none;width:1.1rem;height:1.1rem;margin:.2rem .5rem 0 0;accent-color:#1a56db}
.chk input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
label.txt{display:block;font-weight:600;font-size:.95rem;margin-bottom:.35rem}
textarea{display:block;width:100%;min-height:4.5rem;font:inherit;padding:.5rem;border:1px solid #8c959f;border-radius:6px;resize:vertical;color:inherit}
textarea:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.known{margin:0 0 .9rem;padding:.5rem .75rem;border-radius:6px;background:#fff8c5;color:#6b4400;font-size:.9rem}
.known a{color:inherit;font-weight:600;text-decoration:underline}
.err{color:#b42318;font-size:.9rem;margin:.5rem 0 0}
.err:empty{display:none}
.send{margin-top:.9rem;font:inherit;font-weight:600;padding:.55rem 1.6rem;border:0;border-radius:6px;background:#1a56db;color:#fff;cursor:pointer}
.send:hover{background:#1e429f}
.close{position:absolute;top:.6rem;right:.6rem;width:2.25rem;height:2.25rem;border:0;border-radius:50%;background:transparent;
font:1.5rem/1 sans-serif;color:#57606a;cursor:pointer}
.close:hover{background:#eef1f4}
.st{margin:.25rem 0;font-size:1.05rem;font-weight:600}.st:focus{outline:none}
.st:empty{display:none}
form[hidden]{display:none}
@media (max-width:30rem){:host{align-items:flex-end}.dlg{width:100vw;border-radius:12px 12px 0 0;max-height:100vh}
.opts{gap:.15rem}.opt span{height:2.25rem;font-size:.9rem}}
`;
