<?php
/**
 * Plugin Name: Alumni consent
 * Description: [alumni_consent cta="join"] places the alumni consent widget. Settings below, one place.
 * Version: 0.1.0
 * License: AGPL-3.0-or-later
 */

if (!defined('ABSPATH')) {
    exit;
}

// Where the bundle is served from, the collector and the site id of consent.toml.
const ALUMNI_CONSENT_SCRIPT = '/wp-content/uploads/alumni-consent/alumni-consent.js';
const ALUMNI_CONSENT_ENDPOINT = 'https://consent.example.org';
const ALUMNI_CONSENT_SITE = 'ecole-exemple';

// Each shortcode is a mount point; the script tag (printed once, without data-cta) gives them their settings.
add_shortcode('alumni_consent', function ($atts) {
    $atts = shortcode_atts(['cta' => 'join'], $atts, 'alumni_consent');
    $GLOBALS['alumni_consent_used'] = true;
    return '<div data-alumni-consent data-cta="' . esc_attr($atts['cta']) . '"></div>';
});

// Where a post uses the shortcode, hints in <head>: the loader and the config are asked for while the head is
// read, not when the footer's script tag is reached (examples/embed/README.md).
add_action('wp_head', function () {
    $post = get_post();
    if (!$post || !has_shortcode($post->post_content, 'alumni_consent')) {
        return;
    }
    $config = rtrim(ALUMNI_CONSENT_ENDPOINT, '/') . '/v1/sites/' . rawurlencode(ALUMNI_CONSENT_SITE) . '/config';
    printf('<link rel="modulepreload" href="%s">', esc_url(ALUMNI_CONSENT_SCRIPT));
    printf('<link rel="preload" as="fetch" crossorigin href="%s">', esc_url($config));
});

add_action('wp_footer', function () {
    if (empty($GLOBALS['alumni_consent_used'])) {
        return;
    }
    printf(
        '<script type="module" src="%s" data-endpoint="%s" data-site="%s"></script>',
        esc_url(ALUMNI_CONSENT_SCRIPT),
        esc_url(ALUMNI_CONSENT_ENDPOINT),
        esc_attr(ALUMNI_CONSENT_SITE)
    );
});
