/**
 * QR codes of survey addresses (docs/survey.md#qr-codes), as SVG for a receipt, a packing slip
 * or a poster. Error correction M survives a smudge or a fold (15 % of the modules) and keeps a
 * survey URL to a version a receipt printer renders sharply; the 4-module quiet zone is what
 * readers need around the code.
 */
import { renderSVG } from 'uqr';

export const QR_ERROR_CORRECTION = 'M';

export function qrSvg(text: string): string {
  // crispEdges: no anti-aliased seams between neighbouring modules when the image is scaled.
  return renderSVG(text, { ecc: QR_ERROR_CORRECTION, border: 4, pixelSize: 8 }).replace(
    '<svg ',
    '<svg shape-rendering="crispEdges" ',
  );
}

/** The survey address a QR code carries: answers through it are counted under channel `qr`. */
export function viaQr(surveyUrl: string): string {
  return `${surveyUrl}${surveyUrl.includes('?') ? '&' : '?'}via=qr`;
}
