// Reads [[label, message], ...] as JSON on stdin; prints the [left, right]
// widths in pixels of the flat badge badge-maker draws for each pair.
'use strict'
const { makeBadge } = require('badge-maker')

let input = ''
process.stdin.on('data', (chunk) => { input += chunk })
process.stdin.on('end', () => {
  const widths = JSON.parse(input).map(([label, message]) => {
    const svg = makeBadge({ label, message, color: '#2ea44f', style: 'flat' })
    const rects = [...svg.matchAll(/<rect (?:x="\d+" )?width="(\d+)" height="20" fill="(#[0-9a-f]+)"/g)]
    return rects.slice(0, 2).map((match) => Number(match[1]))
  })
  process.stdout.write(JSON.stringify(widths))
})
