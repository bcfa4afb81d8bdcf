import { Router } from 'express';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/index.js';
import { bundleFileName, createSupportBundle, writeSupportBundle, type SupportBundleDeps } from '../support/supportBundle.js';
import { apiError, methodNotAllowed, sendError } from './errors.js';

/**
 * The diagnostics bundle: GET streams the .tar.gz (curl, the browser); POST writes it beside the
 * log and answers where (the desktop window, whose bridge carries text only).
 */
export function supportRoutes(deps: { bundle: SupportBundleDeps }, log: Logger): Router {
  const router = Router();
  router
    .route('/support-bundle')
    .get((_req, res) => {
      const name = bundleFileName(deps.bundle.clock.now());
      const bundle = createSupportBundle(deps.bundle);
      res.status(200).set({
        'Content-Type': 'application/gzip',
        'Content-Disposition': `attachment; filename="${name}"`,
        'Cache-Control': 'no-store',
      });
      bundle.on('error', (error) => {
        log.warn('support bundle could not be built', { error: errorMessage(error) });
        bundle.unpipe(res);
        if (res.headersSent) return void res.destroy(error);
        res.removeHeader('Content-Disposition');
        res.removeHeader('Content-Type');
        sendError(res, 500, 'support_bundle_failed', 'The diagnostics bundle could not be built; see the log for details and try again.');
      });
      // A download given up stops the collection.
      res.on('close', () => bundle.destroy());
      bundle.on('end', () => log.info('support bundle downloaded', { file: name }));
      bundle.pipe(res);
    })
    .post(async (_req, res) => {
      let written: { path: string; bytes: number };
      try {
        written = await writeSupportBundle(deps.bundle);
      } catch (error) {
        log.warn('support bundle could not be written', { error: errorMessage(error) });
        throw apiError(500, 'support_bundle_failed', `The diagnostics bundle could not be written: ${errorMessage(error)}`);
      }
      log.info('support bundle written', { path: written.path, bytes: written.bytes });
      res.status(201).json(written);
    })
    .all(methodNotAllowed('GET', 'POST'));
  return router;
}
