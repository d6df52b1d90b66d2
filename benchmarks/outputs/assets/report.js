// Sortable tables, the image check the tests read, and the Rosetta stone (side-by-side model files).
function sortTable(th){const t=th.closest('table'),i=[...th.parentNode.children].indexOf(th),
 b=t.tBodies[0],rows=[...b.rows],asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
 const v=r=>{const s=r.cells[i].textContent.trim(),n=parseFloat(s);return isNaN(n)?s:n};
 rows.sort((a,c)=>{const x=v(a),y=v(c);return (x>y?1:x<y?-1:0)*(asc?1:-1)});rows.forEach(r=>b.appendChild(r));}

// Align two files' lines: a dynamic programme that matches lines whose token overlap (Dice) is
// over one half and maximises the summed overlap; unmatched runs are paired up side by side.
const MATCH_MIN=0.5;
function tokens(s){return s.match(/\w+|[^\w\s]/g)||[];}
function similarity(a,b){if(!a.length&&!b.length)return 1;const c=new Map();for(const t of a)c.set(t,(c.get(t)||0)+1);
 let k=0;for(const t of b){const v=c.get(t);if(v){k++;c.set(t,v-1);}}return 2*k/(a.length+b.length);}
function align(A,B){const a=A.map(tokens),b=B.map(tokens),n=a.length,m=b.length,g=[],S=[];
 for(let i=0;i<=n;i++)S.push(new Float64Array(m+1));
 for(let i=0;i<n;i++){g.push(new Float64Array(m));for(let j=0;j<m;j++)g[i][j]=similarity(a[i],b[j])-MATCH_MIN;}
 for(let i=n-1;i>=0;i--)for(let j=m-1;j>=0;j--){let s=Math.max(S[i+1][j],S[i][j+1]);
  if(g[i][j]>0)s=Math.max(s,S[i+1][j+1]+g[i][j]);S[i][j]=s;}
 const rows=[];let i=0,j=0,left=[],right=[];
 const flush=()=>{for(let k=0;k<Math.max(left.length,right.length);k++)rows.push([k<left.length?left[k]:-1,k<right.length?right[k]:-1]);left=[];right=[];};
 while(i<n&&j<m){if(g[i][j]>0&&S[i][j]===S[i+1][j+1]+g[i][j]){flush();rows.push([i++,j++]);}
  else if(S[i][j]===S[i+1][j])left.push(i++);else right.push(j++);}
 while(i<n)left.push(i++);while(j<m)right.push(j++);flush();return rows;}
// Each line of a file against PyTorch's: "same", "changed" (matched but different) or "added".
function marks(base,text){const out=text.map(()=>'added');
 for(const [i,j] of align(base,text))if(i>=0&&j>=0)out[j]=base[i].trim()===text[j].trim()?'same':'changed';return out;}

function renderRosetta(box,data,target){const files=data[box.dataset.model],[l,r]=[...box.querySelectorAll('select')].map(s=>s.value);
 const base=files.torch?files.torch.text:files[l].text,A=files[l],B=files[r];
 const mA=l==='torch'?A.text.map(()=>'same'):marks(base,A.text),mB=r==='torch'?B.text.map(()=>'same'):marks(base,B.text);
 const cell=(f,m,k)=>k<0?'<td class=no></td><td class=gap></td>':`<td class=no>${k+1}</td><td class="${m[k]}">${f.lines[k]||''}</td>`;
 const head=f=>`${f.path}: ${f.metrics.loc} lines, ${f.metrics.tokens} tokens, ${f.metrics.api_calls} API calls, similarity to PyTorch ${f.metrics.similarity_to_pytorch}`;
 let html=`<colgroup><col style="width:3em"><col><col style="width:3em"><col></colgroup><thead><tr><th colspan=2>${head(A)}</th><th colspan=2>${head(B)}</th></tr></thead><tbody>`;
 for(const [i,j] of align(A.text,B.text))html+=`<tr data-left="${i+1}" data-right="${j+1}">${cell(A,mA,i)}${cell(B,mB,j)}</tr>`;
 const table=box.querySelector('table.side');table.innerHTML=html+'</tbody>';
 if(target){const row=table.querySelector(`tr[data-right="${target}"]`);if(row){row.classList.add('target');row.scrollIntoView({block:'center'});}}}

// #rosetta=LEFT,RIGHT picks the pair for every model; #rosetta=MODEL:LEFT,RIGHT:L12 one model and a line.
function applyHash(data){const m=/rosetta=(?:([\w]+):)?([\w]+),([\w]+)(?::L(\d+))?/.exec(decodeURIComponent(location.hash));
 for(const box of document.querySelectorAll('.rosetta')){const files=data[box.dataset.model],[sl,sr]=box.querySelectorAll('select');
  if(m&&(!m[1]||m[1]===box.dataset.model)&&files[m[2]]&&files[m[3]]){sl.value=m[2];sr.value=m[3];}
  renderRosetta(box,data,m&&m[1]===box.dataset.model?m[4]:null);}}

window.addEventListener('load',()=>{const imgs=[...document.images];
 document.body.dataset.imagesOk=String(imgs.length>0&&imgs.every(i=>i.complete&&i.naturalWidth>0));
 document.body.dataset.tables=String(document.querySelectorAll('table.results').length);
 const el=document.getElementById('rosetta-data');if(!el)return;const data=JSON.parse(el.textContent);
 for(const box of document.querySelectorAll('.rosetta'))box.querySelectorAll('select').forEach(s=>s.addEventListener('change',()=>renderRosetta(box,data)));
 applyHash(data);window.addEventListener('hashchange',()=>applyHash(data));
 // code cells whose text does not fit (the tests read it: a pane must scroll sideways, never cut a line off)
 document.body.dataset.clippedCode=String([...document.querySelectorAll('table.side td')].filter(td=>td.scrollWidth>td.clientWidth+1).length);});
